extension ConsolePages {
    static let entitlements = """
        {{<layout}}{{$body}}
        <h1>Entitlements</h1>
        <form method="get" action="/admin/entitlements">
        <label>State <select name="state"><option value="">any</option>{{#stateOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stateOptions}}</select></label>
        <label>Product <input name="product" value="{{product}}" size="28"></label>
        <label>Plan <input name="plan" value="{{plan}}" size="10"></label>
        <label>Account <input name="account" value="{{account}}" size="16"></label>
        <label>Id <input name="id" value="{{id}}" size="20" placeholder="go to an entitlement"></label>
        <button>Show</button>
        </form>
        <table><tr><th>Entitlement</th><th>Account</th><th>Product</th><th>Plan</th><th>State</th><th>Waits for</th><th>Updated</th></tr>
        {{#rows}}<tr><td><a href="/admin/entitlements/{{id}}">{{id}}</a></td><td><a href="/admin/accounts/{{account}}">{{account}}</a></td><td>{{product}}</td><td>{{plan}}</td><td>{{state}}</td><td>{{waiting}}</td><td>{{updated}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="7">None.</td></tr>{{/rows}}
        </table>
        {{#next}}<a href="{{next}}">Next page</a>{{/next}}
        {{/body}}{{/layout}}
        """

    static let entitlement = """
        {{<layout}}{{$body}}
        <h1>Entitlement {{id}}</h1>
        <p>State <strong id="state">{{state}}</strong> · plan {{plan}}{{#pendingPlan}} → {{pendingPlan}} requested{{/pendingPlan}} · account <a href="/admin/accounts/{{account}}">{{account}}</a>{{#customer}} · customer <a href="/admin/customers/{{link}}">{{name}}</a>{{/customer}}</p>
        {{#waiting}}<p class="error">Waits for: {{waiting}}</p>{{/waiting}}
        {{#canApprove}}<form class="inline" method="post" action="/admin/entitlements/{{id}}/approve"><input type="hidden" name="csrf" value="{{csrf}}"><button id="approve">Approve</button></form>
        <form class="inline" method="post" action="/admin/entitlements/{{id}}/reject"><input type="hidden" name="csrf" value="{{csrf}}"><input name="reason" placeholder="reason shown to the buyer" size="30"> <button class="danger">Reject</button></form>{{/canApprove}}
        {{#canDecidePlanChange}}<form class="inline" method="post" action="/admin/entitlements/{{id}}/approve-plan-change"><input type="hidden" name="csrf" value="{{csrf}}"><button id="approve-plan-change">Approve plan change</button></form>
        <form class="inline" method="post" action="/admin/entitlements/{{id}}/reject-plan-change"><input type="hidden" name="csrf" value="{{csrf}}"><input name="reason" placeholder="reason" size="30"> <button class="danger">Reject plan change</button></form>{{/canDecidePlanChange}}
        <div class="side">
        <section><h2>Google's copy</h2><table>{{#google}}<tr><th>{{name}}</th><td><code>{{value}}</code></td></tr>{{/google}}</table></section>
        <section><h2>Entitle's record</h2><table>{{#local}}<tr><th>{{name}}</th><td><code>{{value}}</code></td></tr>{{/local}}</table>
        <h2>Offer</h2><table>{{#offer}}<tr><th>{{name}}</th><td><code>{{value}}</code></td></tr>{{/offer}}{{^offer}}<tr><td>No private offer.</td></tr>{{/offer}}</table></section>
        </div>
        <h2>Timeline</h2>
        <table><tr><th>At</th><th>Kind</th><th>What</th><th>Event</th></tr>
        {{#timeline}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{summary}}</td><td><code>{{eventID}}</code></td></tr>{{/timeline}}</table>
        <h2>Callbacks</h2>
        <table><tr><th>Callback</th><th>Type</th><th>Status</th><th>Attempts</th><th>Last error</th><th></th></tr>
        {{#callbacks}}<tr><td><code>{{id}}</code></td><td>{{kind}}</td><td>{{status}}</td><td>{{attempts}}</td><td>{{lastError}}</td>
        <td><form class="inline" method="post" action="/admin/callbacks/{{id}}/replay"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="/admin/entitlements/{{entitlement}}"><button>Send again</button></form></td></tr>{{/callbacks}}
        {{^callbacks}}<tr><td colspan="6">None.</td></tr>{{/callbacks}}</table>
        <h2>Usage ledger</h2>
        {{{usageChart}}}
        <table><tr><th>Window</th><th>Metric</th><th>Quantity</th><th>Status</th><th>Error</th></tr>
        {{#usage}}<tr><td>{{window}}</td><td>{{metric}}</td><td>{{quantity}}</td><td>{{status}}</td><td>{{lastError}}</td></tr>{{/usage}}
        {{^usage}}<tr><td colspan="5">No usage reported.</td></tr>{{/usage}}</table>
        {{/body}}{{/layout}}
        """
}
