extension ConsolePages {
    static let callbacks = """
        {{<layout}}{{$body}}
        <h1>Callbacks</h1>
        <p>Show: <a href="/admin/callbacks">all</a> · <a href="/admin/callbacks?status=failed">failed</a> · <a href="/admin/callbacks?status=pending">pending</a> · <a href="/admin/callbacks?status=delivered">delivered</a></p>
        <table><tr><th>Callback</th><th>Type</th><th>Subject</th><th>Status</th><th>Attempts</th><th>Next attempt</th><th>Last error</th><th></th></tr>
        {{#callbacks}}<tr><td><code>{{id}}</code></td><td>{{kind}}</td><td>{{subject}}</td><td class="status">{{status}}</td><td>{{attempts}}</td><td>{{next}}</td><td>{{lastError}}</td>
        <td><form class="inline" method="post" action="/admin/callbacks/{{id}}/replay"><input type="hidden" name="csrf" value="{{csrf}}"><button class="replay">Send again</button></form></td></tr>{{/callbacks}}
        {{^callbacks}}<tr><td colspan="8">None.</td></tr>{{/callbacks}}</table>
        {{/body}}{{/layout}}
        """

    static let deadLetters = """
        {{<layout}}{{$body}}
        <h1>Dead letters</h1>
        <p>Notifications whose processing failed too often. Fix the cause, then process them again.</p>
        <table><tr><th>#</th><th>Subject</th><th>Event</th><th>Attempts</th><th>Error</th><th>Dead-lettered</th><th>Replayed</th><th></th></tr>
        {{#letters}}<tr><td>{{id}}</td><td>{{subject}}</td><td><code>{{eventID}}</code></td><td>{{attempts}}</td><td>{{error}}</td><td>{{at}}</td><td>{{replayed}}{{#replayError}} (failed: {{replayError}}){{/replayError}}</td>
        <td><form class="inline" method="post" action="/admin/dead-letters/{{id}}/replay"><input type="hidden" name="csrf" value="{{csrf}}"><button>Process again</button></form></td></tr>{{/letters}}
        {{^letters}}<tr><td colspan="8">None.</td></tr>{{/letters}}</table>
        {{/body}}{{/layout}}
        """

    static let usage = """
        {{<layout}}{{$body}}
        <h1>Usage</h1>
        {{#blocked}}<p class="error">Reporting is blocked since {{since}}: {{reason}}</p>{{/blocked}}
        <h2>Refused or blocked</h2>
        <form method="post" action="/admin/usage/rerun"><input type="hidden" name="csrf" value="{{csrf}}"><button>Re-run every refused operation</button></form>
        <table><tr><th>Operation</th><th>Entitlement</th><th>Metric</th><th>Window</th><th>Quantity</th><th>Status</th><th>Error</th><th></th></tr>
        {{#problems}}<tr><td><code>{{id}}</code></td><td><a href="/admin/entitlements/{{entitlement}}">{{entitlement}}</a></td><td>{{metric}}</td><td>{{window}}</td><td>{{quantity}}</td><td>{{status}}</td><td>{{lastError}}</td>
        <td><form class="inline" method="post" action="/admin/usage/operations/{{id}}/rerun"><input type="hidden" name="csrf" value="{{csrf}}"><button>Re-run</button></form></td></tr>{{/problems}}
        {{^problems}}<tr><td colspan="8">Nothing refused.</td></tr>{{/problems}}</table>
        {{#entitlementsBlocked}}<h2>Entitlements held back</h2><table><tr><th>Entitlement</th><th>Why</th></tr>
        {{#items}}<tr><td><a href="/admin/entitlements/{{entitlement}}">{{entitlement}}</a></td><td>{{reason}}</td></tr>{{/items}}</table>{{/entitlementsBlocked}}
        <h2>The next pass</h2>
        <p>{{toSend}} operations to send, {{toSeal}} windows to seal{{#at}} (as of {{at}}){{/at}}.</p>
        <table><tr><th>Entitlement</th><th>Metric</th><th>Window</th><th>Quantity</th><th>Status</th></tr>
        {{#preview}}<tr><td>{{entitlement}}</td><td>{{metric}}</td><td>{{window}}</td><td>{{quantity}}</td><td>{{status}}</td></tr>{{/preview}}</table>
        {{/body}}{{/layout}}
        """

    static let settings = """
        {{<layout}}{{$body}}
        <h1>Settings</h1>
        <p>The effective configuration of this replica ({{replica}}); secrets are masked.</p>
        <table><tr><th>Setting</th><th>Value</th></tr>{{#settings}}<tr><th>{{name}}</th><td><code>{{value}}</code></td></tr>{{/settings}}</table>
        {{/body}}{{/layout}}
        """
}
