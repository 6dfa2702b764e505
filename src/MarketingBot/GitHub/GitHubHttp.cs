using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace MarketingBot.GitHub;

/// <summary>The one HTTP pipeline every GitHub call goes through, REST and GraphQL alike.</summary>
public static class GitHubHttp
{
    public const string ClientName = "github";

    /// <summary>Waits up to this long are sat out in place; longer ones reschedule the delivery.</summary>
    public static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddGitHubHttp(this IServiceCollection services)
    {
        var client = services.AddHttpClient(ClientName)
            .AddHttpMessageHandler(sp => new InstallationTokenRenewal(sp.GetRequiredService<GitHubClients>()))
            .AddHttpMessageHandler(sp => new RateLimitSignal(sp.GetRequiredService<TimeProvider>()));
        client.AddResilienceHandler("github", (pipeline, context) =>
            {
                var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 3,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromSeconds(1),
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context, time.GetUtcNow())),
                    DelayGenerator = args => ValueTask.FromResult(
                        args.Outcome.Result is { } response && GitHubRateLimit.RetryAt(response, time.GetUtcNow()) is { } at
                            ? (TimeSpan?)Max(at - time.GetUtcNow(), TimeSpan.Zero)
                            : null),
                });
                pipeline.AddTimeout(TimeSpan.FromSeconds(30));
            });
        // Innermost, so that each try a retry makes is paced too.
        client.AddHttpMessageHandler(sp => new WritePacer(sp.GetRequiredService<WriteLanes>(), sp.GetRequiredService<GitHubClients>()));
        services.AddSingleton<WriteLanes>();
        return services;
    }

    /// <summary>
    /// Rate-limit refusals are retried after the wait GitHub names, when it is short. Server errors
    /// and network failures are retried only for reads and updates: a POST that failed half-way may
    /// have created a comment or issue, and the delivery's own retry re-reads the state first.
    /// </summary>
    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, DateTimeOffset now)
    {
        if (outcome.Result is { } response)
        {
            if (GitHubRateLimit.IsRateLimited(response, now))
                return (GitHubRateLimit.RetryAt(response, now) ?? now + GitHubRateLimit.DefaultWait) - now <= MaxInlineWait;
            var transient = response.StatusCode >= HttpStatusCode.InternalServerError || response.StatusCode == HttpStatusCode.RequestTimeout;
            return transient && !IsCreate(response.RequestMessage);
        }
        return outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException
            && !IsCreate(context.GetRequestMessage());
    }

    private static bool IsCreate(HttpRequestMessage? request) =>
        request?.Method == HttpMethod.Post && !(request.Options.TryGetValue(GitHubGraphQL.RetrySafe, out var safe) && safe);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>
/// A 401 to a call made with a cached installation token means GitHub no longer takes it (revoked, or it expired
/// sooner than the bot's clock thought): the token is dropped and the call sent once more with a fresh one, instead
/// of every delivery failing until the cached one would have expired.
/// </summary>
internal sealed class InstallationTokenRenewal(GitHubClients clients) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Buffered so the same request can be sent again.
        if (request.Content is not null) await request.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || request.Headers.Authorization is not { Parameter: { } token } authorization
            || await clients.ForgetAsync(token).ConfigureAwait(false) is not { } installationId)
            return response;
        response.Dispose();
        request.Headers.Authorization = new(authorization.Scheme, await clients.InstallationTokenAsync(installationId).ConfigureAwait(false));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
