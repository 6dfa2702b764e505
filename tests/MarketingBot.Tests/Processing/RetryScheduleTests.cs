using MarketingBot.Processing;

namespace MarketingBot.Tests.Processing;

public class RetryScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(30);

    [Theory]
    [InlineData(1, 0.0, 2.5)]
    [InlineData(1, 0.999, 5.0)]
    [InlineData(2, 0.0, 5.0)]
    [InlineData(3, 0.5, 15.0)]
    [InlineData(5, 0.0, 40.0)]
    [InlineData(12, 0.999, 1799.1)]
    public void Delays_double_per_attempt_within_the_jitter_band_and_the_cap(int attempt, double jitter, double expectedSeconds)
    {
        var at = RetrySchedule.NextAttempt(attempt, 20, Base, Max, Now, jitter);
        Assert.Equal(expectedSeconds, (at!.Value - Now).TotalSeconds, precision: 1);
    }

    [Fact]
    public void The_last_attempt_goes_to_the_dead_letters()
    {
        Assert.NotNull(RetrySchedule.NextAttempt(5, 6, Base, Max, Now, 0.5));
        Assert.Null(RetrySchedule.NextAttempt(6, 6, Base, Max, Now, 0.5));
    }

    [Fact]
    public void GitHubs_requested_wait_wins_over_a_shorter_backoff_but_not_a_longer_one()
    {
        var reset = Now.AddMinutes(10);
        Assert.Equal(reset, RetrySchedule.NextAttempt(1, 6, Base, Max, Now, 0.5, notBefore: reset));
        var soon = Now.AddSeconds(1);
        Assert.True(RetrySchedule.NextAttempt(3, 6, Base, Max, Now, 0.5, notBefore: soon) > soon);
    }
}
