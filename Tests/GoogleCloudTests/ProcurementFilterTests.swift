import EntitleTestSupport
import GoogleCloud
import MarketplaceCore
import Testing

/// The filter builder writes the documented grammar (contract §3.3).
@Suite(.paced) struct ProcurementFilterTests {
    @Test(
        "filters print in the documented grammar with quoting where needed",
        arguments: [
            (ProcurementFilter.plan("basic"), "plan=basic"),
            (.plan("plan-2"), #"plan="plan-2""#),
            (.state(.active), "state=ENTITLEMENT_ACTIVE"),
            (.productExternalName("svc.example.com"), #"product_external_name="svc.example.com""#),
            (.consumerProject("projects/123"), #"consumers.project:"projects/123""#),
            (.plan(#"a"b\c"#), #"plan="a\"b\\c""#),
            (.plan(""), #"plan="""#),
            (.plan("basic") && .state(.active), "plan=basic AND state=ENTITLEMENT_ACTIVE"),
            (.plan("a") || .plan("b") && .plan("c"), "plan=a OR (plan=b AND plan=c)"),
            (!(.plan("a") || .plan("b")), "NOT (plan=a OR plan=b)"),
            (.notEquals("plan", "basic"), "plan!=basic"),
        ]
    )
    func prints(filter: ProcurementFilter, text: String) {
        #expect(filter.description == text)
    }
}
