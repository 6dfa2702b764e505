using System.Security.Cryptography;
using MarketingBot.Configuration;
using MarketingBot.Effects;
using MarketingBot.GitHub;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Support;

/// <summary>
/// WireMock standing in for api.github.com, and the bot's real GitHub clients pointed at it:
/// the real JWT signing, token cache, resilience pipeline and Octokit serialization all run.
/// </summary>
public sealed class FakeGitHub : IDisposable
{
    public const long AppId = 1234;
    public const long InstallationId = 42;

    private readonly TempFolder _folder = new();
    private readonly ServiceProvider _services;

    public FakeGitHub(TimeProvider? time = null)
    {
        Server = WireMockServer.Start();
        Key = RSA.Create(2048);
        File.WriteAllText(_folder.File("app.pem"), Key.ExportRSAPrivateKeyPem());
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddOptions<GitHubSettings>().Configure(s =>
        {
            s.AppId = AppId;
            s.PrivateKeyPath = _folder.File("app.pem");
            s.ApiBaseUrl = Server.Urls[0];
        });
        services.AddGitHubHttp();
        services.AddSingleton<AppJwt>();
        services.AddSingleton<GitHubClients>();
        services.AddSingleton<GitHubGraphQL>();
        services.AddSingleton<GitHubEffects>();
        services.AddSingleton(sp => MarketingBot.Storage.Database.OpenSqlite($"Data Source={_folder.File("bot.db")}", sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BotCommentRecords>();
        services.AddOptions<BotSettings>();
        services.AddSingleton<MarketingBot.Requests.WorkflowSource>();
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    public RSA Key { get; }

    public GitHubClients Clients => _services.GetRequiredService<GitHubClients>();

    public GitHubEffects Effects => _services.GetRequiredService<GitHubEffects>();

    public GitHubGraphQL GraphQL => _services.GetRequiredService<GitHubGraphQL>();

    public MarketingBot.Requests.WorkflowSource Workflows => _services.GetRequiredService<MarketingBot.Requests.WorkflowSource>();

    /// <summary>Answers installation token requests with a token valid for an hour from <paramref name="now"/>, GitHub's clock (its <c>Date</c>).</summary>
    public void IssuesTokens(DateTimeOffset now, string token = "ghs_installation") =>
        Server.Given(Request.Create().WithPath($"/app/installations/{InstallationId}/access_tokens").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithHeader("Date", now.ToString("R"))
                .WithBody($$$"""{"token":"{{{token}}}","expires_at":"{{{now.AddHours(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}}","permissions":{"issues":"write"}}"""));

    public void IsApp(string slug = "marketingbot") =>
        Server.Given(Request.Create().WithPath("/app").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody($$"""{"id":{{AppId}},"slug":"{{slug}}","name":"MarketingBot","owner":{"login":"acme","id":9},"html_url":"https://github.com/apps/{{slug}}"}"""));

    /// <summary>The repository already has every label asked about.</summary>
    public void HasLabels(string repository = "acme/customer") =>
        Server.Given(Request.Create().WithPath($"/repos/{repository}/labels/*").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"name":"x","color":"ededed"}"""));

    /// <summary>
    /// The App is installed once, on acme (an organisation, with organisation Projects and projects_v2_item
    /// unless told otherwise), with the repository acme/customer.
    /// </summary>
    public void IsInstalled(string accountType = "Organization", string projects = "write", string events = "issues,issue_comment,projects_v2_item")
    {
        Server.Given(Request.Create().WithPath("/app/installations").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody($$"""
                [{"id":{{InstallationId}},"account":{"login":"acme","id":9,"type":"{{accountType}}"},"app_id":{{AppId}},
                  "permissions":{"issues":"write"{{(projects == "" ? "" : $",\"organization_projects\":\"{projects}\"")}}},
                  "events":[{{string.Join(",", events.Split(',').Select(e => $"\"{e}\""))}}]}]
                """));
        Server.Given(Request.Create().WithPath("/installation/repositories").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""
                {"total_count":1,"repositories":[{"id":7,"node_id":"R_7","name":"customer","full_name":"acme/customer","owner":{"login":"acme","id":9}}]}
                """));
    }

    /// <summary>GitHub's contents API answer for a file: JSON with its text in base64.</summary>
    public static string ContentsJson(string yaml) => $$"""
        {"type":"file","encoding":"base64","size":{{yaml.Length}},"name":"marketingbot.yml","path":".github/marketingbot.yml",
         "sha":"3d21ec53a331a6f037a91c368710b99387d012c1","content":"{{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(yaml))}}"}
        """;

    /// <summary>The built-in workflow file with these people in its roles (role key → one login), e.g. <c>product-marketing-manager</c> → pat.</summary>
    public static string DefaultWorkflowWith(IReadOnlyDictionary<string, string> logins)
    {
        using var stream = typeof(Program).Assembly.GetManifestResourceStream("MarketingBot.Requests.default-workflow.yml")!;
        var yaml = new StreamReader(stream).ReadToEnd();
        foreach (var (role, login) in logins)
            yaml = yaml.Replace($"{role}: {{ logins: [], teams: [] }}", $"{role}: {{ logins: [{login}], teams: [] }}", StringComparison.Ordinal);
        return yaml;
    }

    /// <summary>The repository has its own <c>.github/marketingbot.yml</c>.</summary>
    public void HasWorkflowFile(string yaml, string repository = "acme/customer") =>
        Server.Given(Request.Create().WithPath($"/repos/{repository}/contents/.github/marketingbot.yml").UsingGet()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(ContentsJson(yaml)));

    /// <summary>Every request the fake received, oldest first.</summary>
    public IReadOnlyList<WireMock.IRequestMessage> All => Server.LogEntries.Select(e => e.RequestMessage!).OrderBy(r => r.DateTime).ToList();

    public IReadOnlyList<WireMock.IRequestMessage> Requests(string path, string method) =>
        All.Where(r => r.Path == path && r.Method == method).ToList();

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        // The database is disposed asynchronously only.
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Key.Dispose();
        _folder.Dispose();
    }
}
