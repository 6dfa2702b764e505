namespace MarketingBot.Configuration;

/// <summary>The GitHub App and webhook settings (<c>GitHub__*</c>).</summary>
public sealed class GitHubSettings
{
    public const string Section = "GitHub";

    public long? AppId { get; set; }
    public string? PrivateKeyPath { get; set; }
    public string? WebhookSecret { get; set; }

    /// <summary>The secret being rotated out; deliveries signed with it are still accepted.</summary>
    public string? WebhookSecretPrevious { get; set; }

    public string ApiBaseUrl { get; set; } = "https://api.github.com";

    /// <summary>Writes of one installation go at least this far apart after a small burst (GitHub asks for a second).</summary>
    public TimeSpan WriteSpacing { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Content-creating writes (REST POSTs) of one installation a minute and an hour: GitHub.com's secondary limits; a GitHub Enterprise Server admin may set others.</summary>
    public int CreationsPerMinute { get; set; } = 80;

    public int CreationsPerHour { get; set; } = 500;

    /// <summary>GitHub's web address, where <c>/setup</c> sends the App manifest (GitHub Enterprise Server: <c>https://HOST</c>).</summary>
    public string WebUrl { get; set; } = "https://github.com";
    public string? GraphQLUrl { get; set; }

    public bool HasAppCredentials => AppId is > 0 && !string.IsNullOrWhiteSpace(PrivateKeyPath);

    public IReadOnlyList<string> WebhookSecrets =>
        new[] { WebhookSecret, WebhookSecretPrevious }.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();

    /// <summary>REST base with a trailing slash, so relative paths keep a GHES <c>/api/v3</c> prefix.</summary>
    public Uri ApiBaseUri => new(ApiBaseUrl.TrimEnd('/') + "/");

    /// <summary>github.com serves GraphQL at <c>/graphql</c>; GitHub Enterprise Server at <c>/api/graphql</c> beside <c>/api/v3</c>.</summary>
    public Uri GraphQLUri
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(GraphQLUrl)) return new Uri(GraphQLUrl);
            var rest = ApiBaseUrl.TrimEnd('/');
            return rest.EndsWith("/api/v3", StringComparison.OrdinalIgnoreCase)
                ? new Uri(rest[..^"/v3".Length] + "/graphql")
                : new Uri(rest + "/graphql");
        }
    }
}

/// <summary>Behaviour switches (<c>Bot__*</c>).</summary>
public sealed class BotSettings
{
    public const string Section = "Bot";

    public bool DryRun { get; set; }

    /// <summary>A workflow file replacing the built-in default (a repository's .github/marketingbot.yml still wins).</summary>
    public string? WorkflowPath { get; set; }

    /// <summary>The address GitHub reaches this bot at (e.g. https://bot.example.com), for the URLs /setup gives GitHub; unset: the request's own.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-Proto/-Host/-For are believed; this machine's always are.</summary>
    public string? TrustedProxies { get; set; }

    /// <summary>Bytes of deliveries not yet verified and stored that the intake holds at once; past it, new ones get 503 with Retry-After.</summary>
    public long IntakeBufferBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Deliveries of different issues processed at the same time.</summary>
    public int Workers { get; set; } = 4;

    /// <summary>Attempts before a delivery is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay; each later one doubles, with full jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Look for deliveries GitHub could not make (and ask for them again) at start-up and this often.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromHours(3);

    public bool RecoverMissedDeliveries { get; set; } = true;

    /// <summary>No delivery for this long turns <c>/readyz</c> unhealthy: the webhook may be broken.</summary>
    public TimeSpan SilenceAlert { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How often boards are read for card moves where GitHub sends no <c>projects_v2_item</c> events.</summary>
    public TimeSpan BoardPollInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Where deliveries and the bot's records live (<c>Storage__*</c>).</summary>
public sealed class StorageSettings
{
    public const string Section = "Storage";

    public string Provider { get; set; } = "Sqlite";
    public string? ConnectionString { get; set; }

    /// <summary>The database <see cref="Provider"/> names; anything else is refused with the names that work.</summary>
    public StorageProvider Engine => Provider.Trim().ToLowerInvariant() switch
    {
        "sqlite" => StorageProvider.Sqlite,
        "postgres" or "postgresql" => StorageProvider.Postgres,
        _ => throw new InvalidOperationException($"Storage__Provider '{Provider}' is not supported; use Sqlite or Postgres."),
    };

    public string SqliteConnectionString =>
        string.IsNullOrWhiteSpace(ConnectionString) ? "Data Source=data/marketingbot.db" : ConnectionString;

    public string PostgresConnectionString => string.IsNullOrWhiteSpace(ConnectionString)
        ? throw new InvalidOperationException(
            "Storage__Provider=Postgres needs Storage__ConnectionString, e.g. Host=db;Port=5432;Database=marketingbot;Username=bot;Password=...")
        : ConnectionString;
}

public enum StorageProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Why the bot is, or is not, sending effects: decided once from configuration.</summary>
/// <param name="HoldsDeliveries">
/// Nothing may be sent and nothing was asked for: no App credentials, and no <c>Bot__DryRun=true</c>. Deliveries are then
/// stored and wait, unprocessed, until the App is configured; processing them in dry run would mark them done, and a
/// half-configured production would silently eat its events.
/// </param>
public sealed record DryRunMode(bool IsOn, string Reason, bool HoldsDeliveries = false)
{
    public static DryRunMode From(BotSettings bot, GitHubSettings gitHub) =>
        bot.DryRun ? new(true, "Bot__DryRun=true")
        : !gitHub.HasAppCredentials
            ? new(true, "no GitHub App credentials (GitHub__AppId, GitHub__PrivateKeyPath) and Bot__DryRun is not true", HoldsDeliveries: true)
        : new(false, "GitHub App credentials are set");
}
