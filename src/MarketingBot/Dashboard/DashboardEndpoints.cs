using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using MarketingBot.Configuration;
using MarketingBot.Planner;
using MarketingBot.Processing;
using MarketingBot.Scheduling;
using MarketingBot.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MarketingBot.Dashboard;

/// <summary>The dashboard's sign-in (<c>Dashboard__Token</c>): without one configured the dashboard stays shut.</summary>
public sealed class DashboardSettings
{
    public const string Section = "Dashboard";

    /// <summary>The admin token (or password) people sign in with; at least <see cref="MinTokenLength"/> characters.</summary>
    public string? Token { get; set; }

    public const int MinTokenLength = 16;
}

/// <summary>
/// The operator's dashboard: server-rendered pages behind a sign-in, showing what silently fails
/// in bots like this one — deliveries and what the bot did with each, dead letters (with a retry
/// button), the queue, every readiness check (board, sheet, workflow files, deliveries), the
/// scheduled jobs' runs, and a banner in dry run.
/// </summary>
public static class DashboardEndpoints
{
    private const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DashboardSettings>(configuration.GetSection(DashboardSettings.Section));
        services.AddAuthentication(Scheme).AddCookie(Scheme, cookie =>
        {
            cookie.LoginPath = "/signin";
            cookie.Cookie.Name = "marketingbot";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
        });
        services.AddAuthorization();
        services.AddAntiforgery();
        services.AddDataProtection().SetApplicationName("MarketingBot");
        // The keys sit in the bot's database by design (see SignInKeys); Data Protection's warning about storing them unencrypted is not news.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(keys => keys.XmlRepository = new SignInKeys(sp.GetRequiredService<Database>())));
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapGet("/signin", SignInPage).AllowAnonymous();
        app.MapPost("/signin", SignInAsync).AllowAnonymous();
        app.MapPost("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(Scheme);
            return Results.Redirect("/signin");
        }).RequireAuthorization().AddEndpointFilter(RequireAntiforgery);
        app.MapGet("/", OverviewAsync).RequireAuthorization();
        app.MapGet("/deliveries/{guid}", DeliveryAsync).RequireAuthorization();
        app.MapPost("/deliveries/{guid}/retry", RetryAsync).RequireAuthorization().AddEndpointFilter(RequireAntiforgery);
        app.MapPost("/reconcile", (PlannerReconcile reconcile) =>
        {
            reconcile.StartNow();
            return Results.Redirect("/");
        }).RequireAuthorization().AddEndpointFilter(RequireAntiforgery);
        // For `MarketingBot reconcile` on the command line: the same token as the dashboard, as a bearer token.
        app.MapPost("/api/reconcile", (HttpContext context, IOptions<DashboardSettings> settings, PlannerReconcile reconcile) =>
        {
            var given = context.Request.Headers.Authorization.ToString();
            if (settings.Value.Token is not { Length: > 0 } expected || !given.StartsWith("Bearer ", StringComparison.Ordinal) || !SameSecret(given["Bearer ".Length..], expected))
                return Results.Text("Send the dashboard's token (Dashboard__Token) as a bearer token.\n", statusCode: StatusCodes.Status401Unauthorized);
            return reconcile.StartNow()
                ? Results.Text("Content Planner reconcile started; its outcome shows in /readyz and on the dashboard.\n", statusCode: StatusCodes.Status202Accepted)
                : Results.Text("A Content Planner reconcile is already running.\n", statusCode: StatusCodes.Status409Conflict);
        }).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// The antiforgery middleware only checks endpoints that bind a form; buttons that post nothing
    /// but the token are checked here, so another site cannot press them for a signed-in admin.
    /// </summary>
    private static async ValueTask<object?> RequireAntiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        return await antiforgery.IsRequestValidAsync(context.HttpContext)
            ? await next(context)
            : Results.BadRequest("The form is stale or did not come from the dashboard; reload the page and try again.");
    }

    private static IResult SignInPage(HttpContext context, IAntiforgery antiforgery, IOptions<DashboardSettings> settings, [FromQuery] string? failed)
    {
        var body = new StringBuilder("<h1>MarketingBot</h1>");
        if (string.IsNullOrEmpty(settings.Value.Token))
            body.Append("<p class=\"bad\">The dashboard is off: set <code>Dashboard__Token</code> to a long random value and restart.</p>");
        else
        {
            if (failed is not null) body.Append("<p class=\"bad\">That token is not right.</p>");
            body.Append("<form method=\"post\" action=\"/signin\">").Append(Antiforgery(context, antiforgery))
                .Append("<label>Admin token <input type=\"password\" name=\"token\" autofocus></label> <button type=\"submit\">Sign in</button></form>");
        }
        return Page("Sign in", body.ToString());
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IOptions<DashboardSettings> settings, AttemptThrottle throttle, [FromForm] string? token)
    {
        var client = AttemptThrottle.ClientOf(context);
        if (!throttle.MayTry(client)) return Results.Text("Too many wrong tokens from here; wait a minute.\n", statusCode: StatusCodes.Status429TooManyRequests);
        if (settings.Value.Token is not { Length: > 0 } expected || token is null || !SameSecret(token, expected))
        {
            throttle.Failed(client);
            return Results.Redirect("/signin?failed=1");
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin")], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity));
        return Results.Redirect("/");
    }

    /// <summary>Compared in constant time, as hashes so the lengths do not leak either.</summary>
    internal static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static async Task<IResult> OverviewAsync(
        HttpContext context, IAntiforgery antiforgery, Inbox inbox, JobRuns jobRuns, DryRunMode dryRun, HealthCheckService health, CancellationToken cancellationToken)
    {
        var body = new StringBuilder();
        body.Append("<form method=\"post\" action=\"/signout\" class=\"right\">").Append(Antiforgery(context, antiforgery)).Append("<button>Sign out</button></form>");
        body.Append("<h1>MarketingBot</h1>");
        if (dryRun.IsOn) body.Append($"<p class=\"banner\">DRY RUN: nothing is sent to GitHub or Google ({E(dryRun.Reason)}).</p>");

        var counts = await inbox.CountAsync();
        body.Append($"<h2>Queue</h2><p>{counts.Pending} waiting, {counts.InProgress} in progress, {counts.Done} done, <b>{counts.Dead} dead letters</b></p>");

        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        body.Append($"<h2>Health: {E(report.Status.ToString())}</h2><table><tr><th>Check</th><th>Status</th><th>What it says</th></tr>");
        foreach (var (name, entry) in report.Entries)
            body.Append($"<tr class=\"{entry.Status.ToString().ToLowerInvariant()}\"><td>{E(name)}</td><td>{entry.Status}</td><td>{E(entry.Description ?? "")}</td></tr>");
        body.Append("</table>");
        body.Append("<form method=\"post\" action=\"/reconcile\">").Append(Antiforgery(context, antiforgery))
            .Append("<button>Reconcile the Content Planner now</button> <small>its outcome shows under content-planner above</small></form>");

        var dead = await inbox.ReadDeliveriesAsync(50, DeliveryState.Dead);
        body.Append("<h2>Dead letters</h2>");
        if (dead.Count == 0) body.Append("<p>None.</p>");
        else
        {
            body.Append("<table><tr><th>Delivery</th><th>Event</th><th>Attempts</th><th>Last error</th><th></th></tr>");
            foreach (var d in dead)
            {
                body.Append($"<tr><td><a href=\"/deliveries/{U(d.Guid)}\">{E(d.Guid)}</a></td><td>{E(d.Name)}</td><td>{d.Attempts}</td><td>{E(d.LastError ?? "")}</td>")
                    .Append($"<td><form method=\"post\" action=\"/deliveries/{U(d.Guid)}/retry\">{Antiforgery(context, antiforgery)}<button>Retry</button></form></td></tr>");
            }
            body.Append("</table>");
        }

        var runs = await jobRuns.ReadJobRunsAsync(20);
        body.Append("<h2>Scheduled jobs</h2>");
        if (runs.Count == 0) body.Append("<p>No run yet.</p>");
        else
        {
            body.Append("<table><tr><th>Job</th><th>Occurrence</th><th>Finished</th><th>What it found and did</th></tr>");
            foreach (var run in runs)
                body.Append($"<tr><td>{E(run.Job)}</td><td>{run.Occurrence:u}</td><td>{(run.FinishedAt is { } at ? at.ToString("u") : "running")}</td><td>{E(run.Outcome ?? "")}</td></tr>");
            body.Append("</table>");
        }

        var recent = await inbox.ReadDeliveriesAsync(100);
        body.Append("<h2>Latest deliveries</h2><table><tr><th>Received</th><th>Delivery</th><th>Event</th><th>State</th><th>Attempts</th></tr>");
        foreach (var d in recent)
            body.Append($"<tr><td>{d.ReceivedAt:u}</td><td><a href=\"/deliveries/{U(d.Guid)}\">{E(d.Guid)}</a></td><td>{E(d.Name)}</td><td>{d.State}</td><td>{d.Attempts}</td></tr>");
        body.Append("</table>");
        return Page("Dashboard", body.ToString());
    }

    private static async Task<IResult> DeliveryAsync(string guid, Inbox inbox)
    {
        var audit = await inbox.ReadAuditAsync(guid);
        var body = new StringBuilder($"<p><a href=\"/\">← Dashboard</a></p><h1>Delivery {E(guid)}</h1>");
        if (audit.Count == 0) body.Append("<p>No attempt recorded for this delivery (yet).</p>");
        foreach (var attempt in audit)
        {
            body.Append($"<h2>{E(attempt.Name)}, attempt {attempt.Attempt} at {attempt.At:u}{(attempt.DryRun ? " (dry run)" : "")}</h2>")
                .Append($"<p class=\"outcome\">{E(attempt.Outcome)}</p>");
            if (attempt.Error is { } error) body.Append($"<p class=\"bad\">{E(error)}</p>");
            if (attempt.Effects.Count > 0)
            {
                body.Append("<ul class=\"effects\">");
                foreach (var effect in attempt.Effects)
                {
                    // The effect's line, then the text a person would read (a comment, an issue), whole.
                    var split = effect.IndexOf('\n');
                    body.Append(split < 0 ? $"<li>{E(effect)}</li>" : $"<li>{E(effect[..split])}<pre class=\"text\">{E(effect[(split + 1)..])}</pre></li>");
                }
                body.Append("</ul>");
            }
        }
        return Page($"Delivery {guid}", body.ToString());
    }

    private static async Task<IResult> RetryAsync(string guid, Inbox inbox, DeliverySignal signal)
    {
        if (!await inbox.RetryDeadAsync(guid)) return Results.NotFound($"Delivery {guid} is not a dead letter.");
        signal.Notify();
        return Results.Redirect("/");
    }

    private static string Antiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken ?? "")}\">";
    }

    private static string E(string text) => HtmlEncoder.Default.Encode(text);

    private static string U(string text) => Uri.EscapeDataString(text);

    private static IResult Page(string title, string body) => Results.Content($$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · MarketingBot</title>
        <style>
          body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1f2328; }
          table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; } td, th { border-bottom: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
          .banner { background: #fff8c5; border: 1px solid #d4a72c; padding: .6rem 1rem; font-weight: 600; }
          .bad, tr.unhealthy td { color: #cf222e; } tr.degraded td { color: #9a6700; } .right { float: right; }
          pre.text { white-space: pre-wrap; background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem .75rem; margin: .3rem 0 .8rem; font-size: 13px; }
        </style></head>
        <body>{{body}}</body></html>
        """, "text/html; charset=utf-8");
}
