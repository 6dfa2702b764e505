namespace MarketingBot.Processing;

/// <summary>When a failed delivery is tried again: exponential backoff with jitter, never before GitHub allows.</summary>
public static class RetrySchedule
{
    /// <param name="attempt">The attempt that just failed, from 1.</param>
    /// <param name="jitter">A random number in [0, 1): spreads retries so a burst of failures does not retry in lockstep.</param>
    /// <param name="notBefore">The time GitHub asked us to wait until (Retry-After, rate-limit reset), if any.</param>
    /// <returns>The next attempt's time, or null when the delivery goes to the dead letters.</returns>
    public static DateTimeOffset? NextAttempt(int attempt, int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay,
        DateTimeOffset now, double jitter, DateTimeOffset? notBefore = null)
    {
        if (attempt >= maxAttempts) return null;
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var ceiling = Math.Min(exponential, maxDelay.TotalMilliseconds);
        // Half fixed, half random: never retries at once, and spreads a burst over the second half.
        var delay = TimeSpan.FromMilliseconds(ceiling * (0.5 + jitter / 2));
        var at = now + delay;
        return notBefore > at ? notBefore : at;
    }
}
