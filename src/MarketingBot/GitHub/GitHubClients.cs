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

    public async Task<string> InstallationTokenAsync(long installationId)
    {
        var entry = _tokens.GetOrAdd(installationId, _ => new InstallationToken());
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (entry.Value is { } cached && time.GetUtcNow() < cached.ExpiresAt - RefreshBeforeExpiry) return cached.Token;
            var fresh = await ForApp().GitHubApps.CreateInstallationToken(installationId).ConfigureAwait(false);
            entry.Value = fresh;
            return fresh.Token;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private GitHubClient Create(ICredentialStore credentials) =>
        new(new Connection(Product, settings.Value.ApiBaseUri, credentials,
            new HttpClientAdapter(() => handlers.CreateHandler(GitHubHttp.ClientName)), new SimpleJsonSerializer()));

    private sealed class InstallationToken
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public AccessToken? Value { get; set; }
    }

    private sealed class Store(Func<Task<Credentials>> credentials) : ICredentialStore
    {
        public Task<Credentials> GetCredentials() => credentials();
    }
}
