using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MarketingBot.Configuration;
using MarketingBot.GitHub;
using MarketingBot.Dashboard;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;
using YamlDotNet.Serialization;

namespace MarketingBot.Setup;

/// <summary>Where <c>/setup</c> keeps the App's credentials (<c>Setup__Directory</c>), read again at start-up.</summary>
public sealed class SetupSettings
{
    public const string Section = "Setup";

    public string Directory { get; set; } = "data";

    public string CredentialsFile => Path.GetFullPath(Path.Combine(Directory, "github-app.json"));

    public string KeyFile => Path.GetFullPath(Path.Combine(Directory, "github-app.pem"));
}

/// <summary>
/// Creates the GitHub App from <c>app-manifest.yml</c> through GitHub's manifest flow: <c>/setup</c>
/// posts the manifest (with this bot's own webhook and callback addresses) to GitHub; GitHub sends
/// the browser back to <c>/setup/callback</c> with a code, which is exchanged for the App's id,
/// private key and webhook secret. They are written to files only the service's user can read and
/// loaded at the next start. Refused once the App is configured.
/// </summary>
public static class SetupEndpoints
{
    private const string StateCookie = "marketingbot-setup";
    private const string SessionCookie = "marketingbot-setup-session";

    /// <summary>The stored credentials rank below environment variables, so an operator's settings still win.</summary>
    public static WebApplicationBuilder AddStoredAppCredentials(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(SetupSettings.Section).Get<SetupSettings>() ?? new SetupSettings();
        builder.Services.Configure<SetupSettings>(builder.Configuration.GetSection(SetupSettings.Section));
        var sources = builder.Configuration.Sources;
        var environment = sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource);
        builder.Configuration.AddJsonFile(settings.CredentialsFile, optional: true);
        var stored = sources[^1];
        sources.RemoveAt(sources.Count - 1);
        sources.Insert(environment < 0 ? sources.Count : environment, stored);
        return builder;
    }

    public static WebApplication MapSetup(this WebApplication app)
    {
        app.MapGet("/setup", SetupPage);
        app.MapPost("/setup/code", EnterCode);
        app.MapGet("/setup/callback", CallbackAsync);
        return app;
    }

    private static bool IsConfigured(GitHubSettings gitHub, SetupSettings setup) => gitHub.HasAppCredentials || File.Exists(setup.CredentialsFile);

    /// <summary>Signed in to the dashboard, or holding the session the set-up code opened.</summary>
    private static bool MaySetUp(HttpContext context, SetupAccess access) =>
        context.User.Identity?.IsAuthenticated == true || access.IsOpen(context.Request.Cookies[SessionCookie]);

    /// <summary>
    /// The address GitHub must call: <c>Bot__PublicUrl</c> when set, else the request's own, as a trusted proxy forwarded it
    /// (<c>X-Forwarded-Proto</c> and <c>-Host</c>, from <c>Bot__TrustedProxies</c> or this machine).
    /// </summary>
    private static string Self(HttpContext context, BotSettings bot) =>
        bot.PublicUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{context.Request.Scheme}://{context.Request.Host}";

    private static CookieOptions Private(HttpContext context, TimeSpan lifetime) =>
        new() { HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = context.Request.IsHttps, MaxAge = lifetime };

    private static IResult CodePage(HttpContext context, IAntiforgery antiforgery, string? problem)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var said = problem is null ? "" : "<p style=\"color: #cf222e\">" + E(problem) + "</p>";
        return Page("Set up MarketingBot", $"""
            <h1>Set up MarketingBot</h1>
            <p>No GitHub App is configured yet. To create one, enter the <b>set-up code</b> MarketingBot printed in its
            start-up log (it changes at every start), or sign in to the <a href="/signin">dashboard</a>.</p>
            {said}
            <form method="post" action="/setup/code">
            <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken ?? "")}">
            <label>Set-up code <input name="code" autocomplete="off" autofocus></label> <button type="submit">Continue</button>
            </form>
            """);
    }

    private static IResult EnterCode(HttpContext context, IAntiforgery antiforgery, SetupAccess access, AttemptThrottle throttle,
        IOptions<GitHubSettings> gitHub, IOptions<SetupSettings> setup, [Microsoft.AspNetCore.Mvc.FromForm] string? code)
    {
        if (IsConfigured(gitHub.Value, setup.Value)) return Refused();
        var client = AttemptThrottle.ClientOf(context);
        if (!throttle.MayTry(client))
            return Results.Text("Too many wrong set-up codes from here; wait a minute.\n", statusCode: StatusCodes.Status429TooManyRequests);
        if (access.Open(code) is not { } session)
        {
            throttle.Failed(client);
            return CodePage(context, antiforgery, "That is not the set-up code. It is in MarketingBot's start-up log, and changes at every start.");
        }
        context.Response.Cookies.Append(SessionCookie, session, Private(context, TimeSpan.FromHours(1)));
        return Results.Redirect("/setup");
    }

    private static IResult SetupPage(HttpContext context, IAntiforgery antiforgery, SetupAccess access, IOptions<GitHubSettings> gitHub,
        IOptions<SetupSettings> setup, IOptions<BotSettings> bot, string? organization)
    {
        if (IsConfigured(gitHub.Value, setup.Value)) return Refused();
        if (!MaySetUp(context, access)) return CodePage(context, antiforgery, problem: null);
        var state = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Response.Cookies.Append(StateCookie, state, Private(context, TimeSpan.FromHours(1)));
        var self = Self(context, bot.Value);
        var manifest = Manifest(self);
        var web = gitHub.Value.WebUrl.TrimEnd('/');
        var action = string.IsNullOrWhiteSpace(organization)
            ? $"{web}/settings/apps/new?state={state}"
            : $"{web}/organizations/{Uri.EscapeDataString(organization)}/settings/apps/new?state={state}";
        return Page("Create the GitHub App", $"""
            <h1>Create MarketingBot's GitHub App</h1>
            <p>GitHub creates the App from <code>app-manifest.yml</code>, with this bot's addresses:
            webhooks to <code>{E(self)}/api/github/webhooks</code>, and back here afterwards.</p>
            <form method="get" action="/setup"><label>Organisation that should own the App (empty: your account)
            <input name="organization" value="{E(organization ?? "")}"></label> <button>Use it</button></form>
            <form method="post" action="{E(action)}">
            <input type="hidden" name="manifest" value="{E(manifest)}">
            <button type="submit">Create the App on GitHub{(string.IsNullOrWhiteSpace(organization) ? "" : $" for {E(organization)}")}</button>
            </form>
            """);
    }

    /// <summary>The repository's App manifest (embedded at build time), pointed at this bot.</summary>
    public static string Manifest(string self)
    {
        using var stream = typeof(SetupEndpoints).Assembly.GetManifestResourceStream("MarketingBot.app-manifest.yml")
            ?? throw new InvalidOperationException("app-manifest.yml is missing from the assembly.");
        var yaml = new DeserializerBuilder().Build().Deserialize<object>(new StreamReader(stream));
        var manifest = JsonSerializer.SerializeToNode(yaml)!.AsObject();
        // YAML read without a schema gives every scalar as a string; GitHub documents these two as booleans.
        manifest["public"] = bool.Parse(manifest["public"]!.GetValue<string>());
        manifest["hook_attributes"]!["active"] = bool.Parse(manifest["hook_attributes"]!["active"]!.GetValue<string>());
        manifest["hook_attributes"]!["url"] = $"{self}/api/github/webhooks";
        manifest["redirect_url"] = $"{self}/setup/callback";
        return manifest.ToJsonString();
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext context, IHttpClientFactory http, SetupAccess access, IOptions<GitHubSettings> gitHub, IOptions<SetupSettings> setup, string? code, string? state)
    {
        if (IsConfigured(gitHub.Value, setup.Value)) return Refused();
        if (!MaySetUp(context, access))
            return Results.Text("Only the person who gave the set-up code (or is signed in to the dashboard) can finish the set-up; start at /setup.\n",
                statusCode: StatusCodes.Status403Forbidden);
        if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(state) || context.Request.Cookies[StateCookie] is not { } expected
            || !DashboardEndpoints.SameSecret(state, expected))
            return Results.BadRequest("This callback does not belong to a set-up started here (the state does not match); start again at /setup.");
        if (!access.TryStartStoring()) return Refused();
        try
        {
            return await ConvertAndStoreAsync(context, http, gitHub.Value, setup.Value, code);
        }
        catch (SetupRefusedException ex)
        {
            access.StoringFailed();
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
        }
        catch
        {
            access.StoringFailed();
            throw;
        }
    }

    private static async Task<IResult> ConvertAndStoreAsync(HttpContext context, IHttpClientFactory http, GitHubSettings gitHub, SetupSettings settings, string code)
    {

        using var client = http.CreateClient(GitHubHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gitHub.ApiBaseUri, $"app-manifests/{Uri.EscapeDataString(code)}/conversions"));
        request.Headers.UserAgent.Add(GitHubClients.UserAgent);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        using var response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode)
            throw new SetupRefusedException($"GitHub refused the code ({(int)response.StatusCode}); codes are valid for one hour and once. Start again at /setup.");
        var app = await response.Content.ReadFromJsonAsync<CreatedApp>() ?? throw new InvalidOperationException("GitHub answered the conversion with no App.");

        System.IO.Directory.CreateDirectory(settings.Directory);
        await WritePrivateAsync(settings.KeyFile, app.Pem, FileMode.Create);
        // Created only if absent: of two set-ups racing (another replica on the same folder), one stores, the other fails.
        await WritePrivateAsync(settings.CredentialsFile, new JsonObject
        {
            ["GitHub"] = new JsonObject { ["AppId"] = app.Id, ["PrivateKeyPath"] = settings.KeyFile, ["WebhookSecret"] = app.WebhookSecret },
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), FileMode.CreateNew);
        context.Response.Cookies.Delete(StateCookie);
        return Page("The App is created", $"""
            <h1>{E(app.Name)} is created</h1>
            <p>Its id ({app.Id}), private key and webhook secret are stored in the bot's data folder, readable only by this service's user.</p>
            <ol>
            <li><b>Restart MarketingBot</b> so it loads them (dry run ends then).</li>
            <li><a href="{E(app.HtmlUrl)}/installations/new">Install the App</a> on the organisation and the Customer repository.</li>
            <li>Check <code>/readyz</code>: it says whether GitHub accepts the App's credentials.</li>
            </ol>
            """);
    }

    /// <summary>Secrets get a file only the owner can read (Unix mode 600), created so before anything is written to it.</summary>
    private static async Task WritePrivateAsync(string path, string content, FileMode mode)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new FileStream(path, options);
        await using var writer = new StreamWriter(file);
        await writer.WriteAsync(content);
    }

    private static IResult Refused() => Results.Content(
        "The GitHub App is already configured; /setup only creates one. To start over, remove the stored credentials and the GitHub__ settings.",
        "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);

    private sealed record CreatedApp(
        long Id,
        string Slug,
        string Name,
        [property: JsonPropertyName("html_url")] string HtmlUrl,
        string Pem,
        [property: JsonPropertyName("webhook_secret")] string WebhookSecret);

    private static string E(string text) => HtmlEncoder.Default.Encode(text);

    private static IResult Page(string title, string body) => Results.Content(
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(title)} · MarketingBot</title></head>" +
        $"<body style=\"font: 15px/1.45 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto\">{body}</body></html>",
        "text/html; charset=utf-8");
}

/// <summary>GitHub would not convert the manifest code; the set-up may be started again.</summary>
public sealed class SetupRefusedException(string message) : Exception(message);
