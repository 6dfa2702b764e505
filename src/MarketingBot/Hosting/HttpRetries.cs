using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace MarketingBot.Hosting;

/// <summary>The retry the Google and HubSpot clients share: their 429s and 5xx, waited out as the service asks.</summary>
public static class HttpRetries
{
    /// <summary>
    /// Truncated exponential backoff with jitter (1 s doubling, at most 32 s, five times), honouring <c>Retry-After</c>.
    /// Only for calls that may be repeated: Sheets writes by range, HubSpot searches only read.
    /// </summary>
    public static IHttpClientBuilder RetryingAsTheServiceAsks(this IHttpClientBuilder client, string name)
    {
        client.AddResilienceHandler(name, pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 5,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(32),
            ShouldRetryAfterHeader = true,
        }));
        return client;
    }
}
