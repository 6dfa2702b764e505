using System.Globalization;
using System.Net;

namespace MarketingBot.GitHub;

/// <summary>How long GitHub asks us to wait, read from its documented headers.</summary>
public static class GitHubRateLimit
{
    /// <summary>GitHub's advice when a secondary limit names no time: wait at least a minute.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The time GitHub allows the next request, from <c>Retry-After</c> or, once
    /// <c>x-ratelimit-remaining</c> is 0, <c>x-ratelimit-reset</c>; null when it named none.
    /// </summary>
    public static DateTimeOffset? RetryAt(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
            return retryAfter.Delta is { } delta ? now + delta : retryAfter.Date;
        if (Header(response, "x-ratelimit-remaining") == "0"
            && long.TryParse(Header(response, "x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var reset))
            return DateTimeOffset.FromUnixTimeSeconds(reset);
        return null;
    }

    /// <summary>A refusal for going too fast (primary or secondary limit), as opposed to a plain 403 for missing permission.</summary>
    public static bool IsRateLimited(HttpResponseMessage response, DateTimeOffset now) =>
        response.StatusCode == HttpStatusCode.TooManyRequests
        || (response.StatusCode == HttpStatusCode.Forbidden && RetryAt(response, now) is not null);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>GitHub asked for a wait too long to sit through in a worker; the delivery is retried at <see cref="RetryAt"/>.</summary>
public sealed class GitHubRateLimitedException(DateTimeOffset retryAt)
    : Exception($"GitHub's rate limit is exhausted; retry after {retryAt:O}.")
{
    public DateTimeOffset RetryAt { get; } = retryAt;
}

/// <summary>
/// Sits outside the retry pipeline: a rate-limit answer that is still there after it (the wait was
/// too long to retry in place) becomes a <see cref="GitHubRateLimitedException"/>, so the processor
/// reschedules the delivery instead of holding a worker.
/// </summary>
public sealed class RateLimitSignal(TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (!GitHubRateLimit.IsRateLimited(response, now)) return response;
        var retryAt = GitHubRateLimit.RetryAt(response, now) ?? now + GitHubRateLimit.DefaultWait;
        response.Dispose();
        throw new GitHubRateLimitedException(retryAt);
    }
}
