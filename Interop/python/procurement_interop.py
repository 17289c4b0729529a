"""Google's own Python clients against the Entitle emulator.

google-api-python-client is built from the Procurement discovery document with the emulator as
root URL; google-auth's service-account credentials come from `entitle emulator
--print-credentials`, so every call carries a token obtained with the JWT-bearer grant. Then
google-auth verifies a sign-up token against the emulator's x509 key map.

Last, an assertion made by Entitle's own credentials code (`entitle credentials assertion`)
verifies with google-auth against the key's public certificate (published at the key file's
`client_x509_cert_url`, as Google publishes it), and the token `entitle credentials token`
obtains works with the Procurement API.

Usage: procurement_interop.py BASE_URL KEY_FILE DISCOVERY_JSON PROVIDER ENTITLE_BINARY
Exits non-zero on the first failed check, naming it.
"""

import base64
import json
import subprocess
import sys
import time
import urllib.request

from interop_checks import check, checks, control  # noqa: E402
from google.auth import jwt as google_jwt
from google.oauth2 import service_account
from googleapiclient import discovery
from googleapiclient.errors import HttpError

SIGNUP_ISSUER = "https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
AGENTSPACE_ISSUER = ("https://www.googleapis.com/service_accounts/v1/metadata/x509/"
                     "cloud-agentspace@system.gserviceaccount.com")





def main():
    base, key_file, discovery_file, provider, entitle = sys.argv[1:6]
    with open(discovery_file) as handle:
        document = json.load(handle)
    document["rootUrl"] = base
    credentials = service_account.Credentials.from_service_account_file(
        key_file, scopes=["https://www.googleapis.com/auth/cloud-platform"])
    procurement = discovery.build_from_document(document, credentials=credentials)
    providers = procurement.providers()

    purchase = control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "basic"})
    second = control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "standard"})
    account_name = f"providers/{provider}/accounts/{purchase['accountId']}"
    entitlement_name = f"providers/{provider}/entitlements/{purchase['entitlementId']}"

    account = providers.accounts().get(name=account_name).execute()
    check("accounts.get returns the account with a pending signup approval",
          account["name"] == account_name and account["approvals"][0] == {**account["approvals"][0], "name": "signup", "state": "PENDING"})
    check("credentials obtained a token from the emulator's token_uri", credentials.token is not None and credentials.valid)

    listed, page_token, pages = [], None, 0
    while True:
        response = providers.accounts().list(parent=f"providers/{provider}", pageSize=1, pageToken=page_token).execute()
        listed += [item["name"] for item in response.get("accounts", [])]
        page_token, pages = response.get("nextPageToken"), pages + 1
        if not page_token:
            break
    check("accounts.list pages through every account", len(listed) == 2 and pages == 2, f"{listed} in {pages} pages")

    providers.accounts().approve(name=account_name, body={"approvalName": "signup"}).execute()
    approved = providers.accounts().get(name=account_name).execute()
    check("accounts.approve approves signup", approved["approvals"][0]["state"] == "APPROVED")

    waiting = providers.entitlements().list(parent=f"providers/{provider}", filter="state=activation_requested").execute()
    check("entitlements.list with a filter", {e["name"] for e in waiting["entitlements"]} >= {entitlement_name} and len(waiting["entitlements"]) == 2)

    providers.entitlements().approve(name=entitlement_name, body={}).execute()
    entitlement = providers.entitlements().get(name=entitlement_name).execute()
    check("entitlements.approve makes the entitlement ACTIVE", entitlement["state"] == "ENTITLEMENT_ACTIVE")

    try:
        providers.entitlements().approve(name=entitlement_name, body={}).execute()
        check("a second approve is refused", False)
    except HttpError as error:
        body = json.loads(error.content)
        check("a second approve is refused with Google's error shape",
              error.resp.status == 400 and body["error"]["status"] == "FAILED_PRECONDITION")

    try:
        providers.entitlements().approve(name=f"providers/{provider}/entitlements/{second['entitlementId']}", body={}).execute()
        check("approve before signup is refused", False)
    except HttpError as error:
        check("approve before the account's signup is refused", error.resp.status == 400)

    certificates = control(base, "robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com")
    claims = google_jwt.decode(purchase["signupToken"], certs=certificates, audience="localhost")
    check("google-auth verifies the sign-up token with the emulator's certificates",
          claims["iss"] == SIGNUP_ISSUER and claims["sub"] == purchase["accountId"] and claims["google"]["user_identity"])
    header, payload, signature = purchase["signupToken"].split(".")
    claims_json = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims_json["sub"] = second["accountId"]
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims_json).encode()).rstrip(b"=").decode()
    try:
        google_jwt.decode(".".join([header, forged_payload, signature]), certs=certificates, audience="localhost")
        check("a sign-up token with an altered sub is rejected", False)
    except ValueError as error:
        check("a sign-up token with an altered sub is rejected", "signature" in str(error).lower(), str(error))
    try:
        google_jwt.decode(purchase["signupToken"], certs=certificates, audience="someone-else.example.com")
        check("a sign-up token for another audience is rejected", False)
    except ValueError:
        check("a sign-up token for another audience is rejected", True)

    check_software_statement(base, purchase)
    check_entitle_credentials(base, key_file, provider, entitle)
    print(f"python interop: all {len(checks)} checks passed")


def check_software_statement(base, purchase):
    """google-auth verifies the statement the emulator signs as Gemini Enterprise (agent registration)
    against the key map at Google's path, which is also the statement's issuer."""
    audience = "https://agent.vendor.example.com"
    statement = control(base, f"emulator/v1/entitlements/{purchase['entitlementId']}/software-statement",
                        {"audience": audience})["softwareStatement"]
    certificates = control(base, "service_accounts/v1/metadata/x509/cloud-agentspace@system.gserviceaccount.com")
    claims = google_jwt.decode(statement, certs=certificates, audience=audience)
    check("google-auth verifies a software statement with the emulator's agentspace key map",
          claims["iss"] == AGENTSPACE_ISSUER and claims["sub"] == purchase["accountId"]
          and claims["google"]["order"] and claims["auth_app_redirect_uris"], str(claims))
    try:
        google_jwt.decode(statement, certs=certificates, audience="https://another-vendor.example.com")
        check("a software statement for another vendor is rejected", False)
    except ValueError:
        check("a software statement for another vendor is rejected", True)


def check_entitle_credentials(base, key_file, provider, entitle):
    with open(key_file) as handle:
        key = json.load(handle)
    assertion = subprocess.run([entitle, "credentials", "assertion", "--key", key_file], check=True,
                               capture_output=True, text=True).stdout.strip()
    with urllib.request.urlopen(key["client_x509_cert_url"]) as response:
        certificates = json.load(response)
    claims = google_jwt.decode(assertion, certs=certificates, audience=key["token_uri"])
    header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
    now = time.time()
    check("google-auth verifies Entitle's JWT-bearer assertion against the key's public certificate",
          claims["iss"] == key["client_email"] and claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
          and header == {**header, "alg": "RS256", "kid": key["private_key_id"]}
          and isinstance(claims["iat"], int) and claims["exp"] - claims["iat"] == 3600 and abs(claims["iat"] - now) < 60,
          f"{header} {claims}")
    token = subprocess.run([entitle, "credentials", "token", "--key", key_file], check=True,
                           capture_output=True, text=True).stdout.strip()
    request = urllib.request.Request(f"{base}v1/providers/{provider}/accounts", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:
        check("the access token Entitle's credentials obtain is accepted by the Procurement API", response.status == 200)


if __name__ == "__main__":
    main()
