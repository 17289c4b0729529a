"""What Google's own Python clients do that the emulator must take.

1. google-api-python-client form-encodes a filter's spaces as `+`.
2. google-auth's self-signed JWTs (`always_use_jwt_access`) carry `scope` and no `aud`.
3. google-auth finds and uses the metadata server (`google.auth.default()`, compute_engine).

Usage: fidelity_interop.py BASE_URL KEY_FILE DISCOVERY_JSON PROVIDER
Exits non-zero on the first failed check, naming it.
"""

import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request

# google-auth reads where the metadata server is when it is imported: say it first.
_host = urllib.parse.urlparse(sys.argv[1]).netloc
os.environ["GCE_METADATA_HOST"] = _host
os.environ["GCE_METADATA_IP"] = _host
os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
os.environ["CLOUDSDK_CONFIG"] = tempfile.mkdtemp()  # no gcloud credentials to find first

import google.auth  # noqa: E402
from interop_checks import check, checks, control  # noqa: E402
from google.auth import compute_engine  # noqa: E402
from google.auth.compute_engine import _metadata  # noqa: E402
from google.auth.transport.requests import AuthorizedSession, Request  # noqa: E402
from google.oauth2 import service_account  # noqa: E402
from googleapiclient import discovery  # noqa: E402
from googleapiclient.errors import HttpError  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/cloud-platform"





def main():
    base, key_file, discovery_file, provider = sys.argv[1:5]
    with open(discovery_file) as handle:
        document = json.load(handle)
    document["rootUrl"] = base
    credentials = service_account.Credentials.from_service_account_file(key_file, scopes=[SCOPE])
    providers = discovery.build_from_document(document, credentials=credentials).providers()
    parent = f"providers/{provider}"

    basic = control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "basic"})
    control(base, "emulator/v1/purchases", {"product": "example-messaging-service", "plan": "standard"})
    found = providers.entitlements().list(parent=parent, filter="plan=basic AND state=activation_requested").execute()
    names = [e["name"] for e in found.get("entitlements", [])]
    check("a filter with spaces (sent as +) is read as Google reads it",
          f"{parent}/entitlements/{basic['entitlementId']}" in names and all(e["plan"] == "basic" for e in found["entitlements"]), names)
    try:
        providers.entitlements().list(parent=parent, filter="plan=basic AND").execute()
        check("a filter ending in AND is refused", False)
    except HttpError as error:
        check("a filter ending in AND is refused with 400", error.resp.status == 400, str(error))

    jwt_credentials = service_account.Credentials.from_service_account_file(key_file, scopes=[SCOPE], always_use_jwt_access=True)
    jwt_credentials._create_self_signed_jwt(None)
    session = AuthorizedSession(jwt_credentials)
    response = session.get(f"{base}v1/{parent}/accounts")
    token = jwt_credentials.token
    claims = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[1] + "=="))
    check("a self-signed JWT with a scope claim and no aud is accepted",
          response.status_code == 200 and "aud" not in claims and claims.get("scope") == SCOPE, f"{response.status_code} {claims}")

    request = Request()
    check("google-auth detects the metadata server", _metadata.ping(request))
    found_credentials, project = google.auth.default(scopes=[SCOPE])
    check("google.auth.default() finds compute-engine credentials and the project",
          isinstance(found_credentials, compute_engine.Credentials) and project, f"{type(found_credentials)} {project}")
    found_credentials.refresh(request)
    with open(key_file) as handle:
        email = json.load(handle)["client_email"]
    check("compute_engine credentials read the service account and obtain a token",
          found_credentials.token and found_credentials.service_account_email == email, found_credentials.service_account_email)
    response = AuthorizedSession(found_credentials).get(f"{base}v1/{parent}/accounts")
    check("the metadata server's token is accepted by the Procurement API", response.status_code == 200, str(response.status_code))
    print(f"fidelity interop: all {len(checks)} checks passed")


if __name__ == "__main__":
    main()
