using System.Collections.Concurrent;
using System.Reflection;
using MarketingBot.Configuration;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Internal;

namespace MarketingBot.GitHub;

/// <summary>
/// Octokit clients on the shared GitHub pipeline, at <c>GitHub__ApiBaseUrl</c> (github.com,
/// GitHub Enterprise Server, or a test fake), with MarketingBot's User-Agent.
/// </summary>
public sealed class GitHubClients(IOptions<GitHubSettings> settings, IHttpMessageHandlerFactory handlers, AppJwt jwt, TimeProvider time)
{
    private static readonly string Version =
        typeof(GitHubClients).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0";

    private static readonly ProductHeaderValue Product = new("MarketingBot", Version);

    /// <summary>GitHub refuses requests without a User-Agent; calls made outside Octokit send this one.</summary>
    public static System.Net.Http.Headers.ProductInfoHeaderValue UserAgent { get; } = new("MarketingBot", Version);

    private static readonly TimeSpan RefreshBeforeExpiry = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<long, InstallationToken> _tokens = new();

    /// <summary>Calls made as the App itself (JWT): installation tokens, the App's own profile, its deliveries.</summary>
    public IGitHubClient ForApp() => Create(new Store(() => Task.FromResult(new Credentials(jwt.Create(), AuthenticationType.Bearer))));

    /// <summary>Calls made as one installation, with its token fetched once and reused until shortly before it expires.</summary>
    public IGitHubClient ForInstallation(long installationId) =>
        Create(new Store(async () => new Credentials(await InstallationTokenAsync(installationId).ConfigureAwait(false))));

    /// <summary>
    /// The installation's token, fetched once and reused until shortly before it expires. Its lifetime is GitHub's
    /// <c>expires_at</c> less the answer's <c>Date</c>, counted from when it arrived here: a clock that is minutes off
    /// cannot keep a token GitHub already refuses.
    /// </summary>
    public async Task<string> InstallationTokenAsync(long installationId)
    {
        var entry = _tokens.GetOrAdd(installationId, _ => new InstallationToken());
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (entry.Token is { } cached && time.GetUtcNow() < entry.UsableUntil) return cached;
            var answer = await ForApp().Connection.Post<AccessToken>(
                new Uri($"app/installations/{installationId}/access_tokens", UriKind.Relative), new { }, "application/vnd.github+json", "application/json",
                new Dictionary<string, string>(), CancellationToken.None).ConfigureAwait(false);
            var date = answer.HttpResponse.Headers.FirstOrDefault(h => h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase)).Value;
            var issued = DateTimeOffset.TryParse(date, out var at) ? at : (DateTimeOffset?)null;
            var lifetime = answer.Body.ExpiresAt - (issued ?? time.GetUtcNow());
            entry.Token = answer.Body.Token;
            entry.UsableUntil = time.GetUtcNow() + lifetime - RefreshBeforeExpiry;
            return answer.Body.Token;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>The installation a cached token belongs to; null for any other (the App's JWT, an expired token).</summary>
    public long? InstallationOf(string? token) =>
        token is null ? null : _tokens.FirstOrDefault(t => t.Value.Token == token) is { Value: not null } found ? found.Key : null;

    /// <summary>
    /// GitHub refused <paramref name="token"/> (revoked, or the installation's permissions changed): it is dropped
    /// from the cache. Returns the installation it belonged to, or null when it is no installation token of ours.
    /// </summary>
    public async Task<long?> ForgetAsync(string token)
    {
        foreach (var (installationId, entry) in _tokens)
        {
            if (entry.Token != token) continue;
            await entry.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (entry.Token == token) entry.Token = null;
            }
            finally
            {
                entry.Gate.Release();
            }
            return installationId;
        }
        return null;
    }

    private GitHubClient Create(ICredentialStore credentials) =>
        new(new Connection(Product, settings.Value.ApiBaseUri, credentials,
            new HttpClientAdapter(() => handlers.CreateHandler(GitHubHttp.ClientName)), new SimpleJsonSerializer()));

    private sealed class InstallationToken
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public string? Token { get; set; }
        public DateTimeOffset UsableUntil { get; set; }
    }

    private sealed class Store(Func<Task<Credentials>> credentials) : ICredentialStore
    {
        public Task<Credentials> GetCredentials() => credentials();
    }
}
