import EntitleTestSupport
import MarketplaceCore
import MarketplaceEmulator
import Testing

@Suite(.paced) struct EmulatorDefaultsTests {
    @Test("the default topic is named after the provider, as Google names production topics (contract §1.1)")
    func topic() {
        #expect(EmulatorDefaults.topic == "projects/cloudcommerceproc-prod/topics/\(EmulatorDefaults.provider)")
        #expect(EmulatorDefaults.provider.rawValue.hasPrefix("DEMO-"))
    }
}
