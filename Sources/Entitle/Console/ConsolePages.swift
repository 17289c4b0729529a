import Mustache

/// The admin console's pages (swift-mustache; `{{…}}` escapes HTML, so a customer named
/// `<script>` is text). Every action is a plain form: the console works without JavaScript.
/// `{{{chart}}}` is only ever SVG that `SVGChart` drew, its text escaped there.
enum ConsolePages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are constants: a syntax error is a programming error found by any test.
        for (name, template) in [
            ("layout", layout), ("sign-in", signIn), ("overview", overview), ("entitlements", entitlements), ("entitlement", entitlement),
            ("customers", customers), ("customer", customer), ("callbacks", callbacks), ("dead-letters", deadLetters), ("usage", usage),
            ("settings", settings),
        ] {
            try! library.register(template, named: name)
        }
        return library
    }()

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Entitle</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 0; color: #202124; background: #f8f9fa; }
        header { background: #1a73e8; color: white; padding: .6rem 1.2rem; display: flex; gap: 1.2rem; align-items: center; flex-wrap: wrap; }
        header a { color: white; text-decoration: none; } header strong { margin-right: 1rem; }
        header form { margin-left: auto; } main { padding: 1.2rem; max-width: 78rem; }
        .sandbox { background: #fef7e0; padding: .4rem 1.2rem; border-bottom: 1px solid #f9ab00; }
        .notice { background: #e6f4ea; padding: .6rem 1rem; border-radius: 4px; } .error { background: #fce8e6; padding: .6rem 1rem; border-radius: 4px; }
        table { border-collapse: collapse; background: white; width: 100%; margin: .6rem 0 1.2rem; }
        th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e0e0e0; font-size: .9rem; vertical-align: top; }
        th { background: #f1f3f4; } code { font-size: .85rem; } .cards { display: flex; gap: 1rem; flex-wrap: wrap; }
        .card { background: white; border: 1px solid #e0e0e0; border-radius: 6px; padding: .8rem 1rem; min-width: 10rem; }
        .card b { font-size: 1.6rem; display: block; } .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; } figure { margin: 0; }
        .side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; } form.inline { display: inline; }
        button { padding: .35rem .8rem; border: 0; border-radius: 4px; background: #1a73e8; color: white; cursor: pointer; }
        button.danger { background: #c5221f; } input, select { padding: .3rem; }
        </style>
        </head>
        <body>
        {{#signedIn}}
        <header><strong>Entitle</strong>
        <a href="/admin">Overview</a> <a href="/admin/entitlements">Entitlements</a> <a href="/admin/customers">Customers</a>
        <a href="/admin/callbacks">Callbacks</a> <a href="/admin/dead-letters">Dead letters</a> <a href="/admin/usage">Usage</a>
        <a href="/admin/settings">Settings</a>
        <form method="post" action="/admin/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><span>{{actor}}</span> <button>Sign out</button></form>
        </header>
        {{#buyerURL}}<div class="sandbox">Sandbox mode: buy as a customer on the <a href="{{buyerURL}}">buyer simulator</a>.</div>{{/buyerURL}}
        {{/signedIn}}
        <main>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{$body}}{{/body}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{<layout}}{{$body}}
        <h1>Sign in to Entitle</h1>
        {{^iap}}<form method="post" action="/admin/sign-in">
        <p><label>Admin token <input type="password" name="token" autocomplete="current-password" autofocus required size="40"></label></p>
        <button>Sign in</button>
        </form>{{/iap}}
        {{/body}}{{/layout}}
        """

    static let overview = """
        {{<layout}}{{$body}}
        <h1>Overview</h1>
        <div class="cards">
        {{#states}}<a class="card" href="/admin/entitlements?state={{query}}"><b>{{count}}</b>{{name}}</a>{{/states}}
        </div>
        <h2>Waiting on a person</h2>
        <table><tr><th>What</th><th>How many</th></tr>
        <tr><td><a href="/admin/entitlements?waiting=1">Orders waiting for a decision</a></td><td id="waiting-approvals">{{waitingApprovals}}</td></tr>
        <tr><td><a href="/admin/dead-letters">Dead-lettered notifications</a></td><td>{{deadLetters}}</td></tr>
        <tr><td><a href="/admin/callbacks?status=failed">Failed callbacks</a></td><td>{{failedCallbacks}}</td></tr>
        <tr><td><a href="/admin/usage">Usage blocked or refused</a></td><td>{{usageProblems}}</td></tr>
        </table>
        {{#waiting}}<table><tr><th>Entitlement</th><th>Product</th><th>Plan</th><th>Waits for</th></tr>
        {{#items}}<tr><td><a href="/admin/entitlements/{{id}}">{{id}}</a></td><td>{{product}}</td><td>{{plan}}</td><td>{{reason}}</td></tr>{{/items}}
        </table>{{/waiting}}
        <div class="charts">{{#charts}}<figure><figcaption>{{caption}}</figcaption>{{{svg}}}</figure>{{/charts}}</div>
        {{/body}}{{/layout}}
        """

    static let customers = """
        {{<layout}}{{$body}}
        <h1>Customers</h1>
        <table><tr><th>Customer</th><th>Company</th><th>Contact</th><th>Email</th><th>Accounts</th><th>Since</th></tr>
        {{#customers}}<tr><td><a href="/admin/customers/{{link}}">{{id}}</a></td><td>{{company}}</td><td>{{contactName}}</td><td>{{email}}</td><td>{{accounts}}</td><td>{{createdAt}}</td></tr>{{/customers}}
        </table>
        {{#next}}<a href="/admin/customers?after={{next}}">Next page</a>{{/next}}
        {{/body}}{{/layout}}
        """

    static let customer = """
        {{<layout}}{{$body}}
        <h1>{{#customer}}{{company}}{{^company}}{{id}}{{/company}}{{/customer}}</h1>
        {{#customer}}<table><tr><th>Customer id</th><td>{{id}}</td></tr><tr><th>Company</th><td>{{company}}</td></tr>
        <tr><th>Contact</th><td>{{contactName}}</td></tr><tr><th>Email</th><td>{{email}}</td></tr><tr><th>Since</th><td>{{createdAt}}</td></tr></table>{{/customer}}
        {{#accounts}}<h2>Account {{id}}</h2><p>Signed up: {{signedUp}} · sign-up approval {{approval}}</p>
        <table><tr><th>Entitlement</th><th>Product</th><th>Plan</th><th>State</th></tr>
        {{#entitlements}}<tr><td><a href="/admin/entitlements/{{id}}">{{id}}</a></td><td>{{product}}</td><td>{{plan}}</td><td>{{state}}</td></tr>{{/entitlements}}
        </table>{{/accounts}}
        {{/body}}{{/layout}}
        """
}
