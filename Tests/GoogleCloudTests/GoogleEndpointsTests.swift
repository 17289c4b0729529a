import EntitleTestSupport
import Foundation
import GoogleCloud
import Testing

@Suite(.paced) struct GoogleEndpointsTests {
    @Test("production endpoints are Google's, with the pinned sign-up key URL (contract §4.3)")
    func production() {
        let google = GoogleEndpoints.google
        #expect(google.procurement.absoluteString == "https://cloudcommerceprocurement.googleapis.com/")
        #expect(google.oauthToken.absoluteString == "https://oauth2.googleapis.com/token")
        #expect(
            google.signupCertificates.absoluteString
                == "https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
        )
    }

    @Test("the emulator serves every API on one base URL, sign-up keys on Google's path")
    func emulator() throws {
        let base = try #require(URL(string: "http://127.0.0.1:8085/"))
        let endpoints = GoogleEndpoints.emulator(at: base)
        #expect(endpoints.pubSub == base)
        #expect(endpoints.oauthToken.absoluteString == "http://127.0.0.1:8085/token")
        #expect(endpoints.signupCertificates.path.hasSuffix("x509/cloud-commerce-partner@system.gserviceaccount.com"))
    }
}
