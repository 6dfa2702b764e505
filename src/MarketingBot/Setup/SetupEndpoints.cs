using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MarketingBot.Configuration;
using MarketingBot.GitHub;
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
        app.MapGet("/setup/callback", CallbackAsync);
        return app;
    }

    private static bool IsConfigured(GitHubSettings gitHub, SetupSettings setup) => gitHub.HasAppCredentials || File.Exists(setup.CredentialsFile);

    private static IResult SetupPage(HttpContext context, IOptions<GitHubSettings> gitHub, IOptions<SetupSettings> setup, string? organization)
    {
        if (IsConfigured(gitHub.Value, setup.Value)) return Refused();
        var state = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        context.Response.Cookies.Append(StateCookie, state, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromHours(1) });
        var self = $"{context.Request.Scheme}://{context.Request.Host}";
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
        manifest["hook_attributes"]!["url"] = $"{self}/api/github/webhooks";
        manifest["redirect_url"] = $"{self}/setup/callback";
        return manifest.ToJsonString();
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext context, IHttpClientFactory http, IOptions<GitHubSettings> gitHub, IOptions<SetupSettings> setup, string? code, string? state)
    {
        if (IsConfigured(gitHub.Value, setup.Value)) return Refused();
        if (string.IsNullOrEmpty(code) || string.IsNullOrEmpty(state) || context.Request.Cookies[StateCookie] != state)
            return Results.BadRequest("This callback does not belong to a set-up started here (the state does not match); start again at /setup.");

        using var client = http.CreateClient(GitHubHttp.ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gitHub.Value.ApiBaseUri, $"app-manifests/{Uri.EscapeDataString(code)}/conversions"));
        request.Headers.UserAgent.Add(GitHubClients.UserAgent);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        using var response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode)
            return Results.Problem($"GitHub refused the code ({(int)response.StatusCode}); codes are valid for one hour and once. Start again at /setup.", statusCode: 502);
        var app = await response.Content.ReadFromJsonAsync<CreatedApp>() ?? throw new InvalidOperationException("GitHub answered the conversion with no App.");

        var settings = setup.Value;
        System.IO.Directory.CreateDirectory(settings.Directory);
        await WritePrivateAsync(settings.KeyFile, app.Pem);
        await WritePrivateAsync(settings.CredentialsFile, new JsonObject
        {
            ["GitHub"] = new JsonObject { ["AppId"] = app.Id, ["PrivateKeyPath"] = settings.KeyFile, ["WebhookSecret"] = app.WebhookSecret },
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        context.Response.Cookies.Delete(StateCookie);
        return Page("The App is created", $"""
            <h1>{E(app.Name)} is created</h1>
            <p>Its id ({app.Id}), private key and webhook secret are stored in <code>{E(settings.Directory)}</code>, readable only by this service's user.</p>
            <ol>
            <li><b>Restart MarketingBot</b> so it loads them (dry run ends then).</li>
            <li><a href="{E(app.HtmlUrl)}/installations/new">Install the App</a> on the organisation and the Customer repository.</li>
            <li>Check <code>/readyz</code>: it says whether GitHub accepts the App's credentials.</li>
            </ol>
            """);
    }

    /// <summary>Secrets get a file only the owner can read (Unix mode 600), created so before anything is written to it.</summary>
    private static async Task WritePrivateAsync(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
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
