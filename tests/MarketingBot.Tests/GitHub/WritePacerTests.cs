using MarketingBot.Configuration;
using MarketingBot.GitHub;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.GitHub;

/// <summary>One lane per installation: a small burst, then a write a second, and content-creating writes under GitHub's hourly limit.</summary>
public sealed class WritePacerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T10:00:00Z"));

    private WriteLanes Lanes() => new(_time, Options.Create(new GitHubSettings()));

    [Fact]
    public async Task A_burst_goes_at_once_then_writes_wait_a_second_each_and_another_installation_is_not_held_up()
    {
        var lanes = Lanes();
        for (var i = 0; i < WritePacer.Burst; i++) Assert.True(lanes.For("42").WaitTurnAsync(creates: false, CancellationToken.None).IsCompletedSuccessfully);

        var fifth = lanes.For("42").WaitTurnAsync(creates: false, CancellationToken.None);
        Assert.False(fifth.IsCompleted);
        Assert.True(lanes.For("43").WaitTurnAsync(creates: true, CancellationToken.None).IsCompletedSuccessfully);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(fifth.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await fifth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Past_500_content_creating_writes_in_an_hour_the_next_waits_until_the_first_is_an_hour_old()
    {
        var lane = Lanes().For("42");
        for (var i = 0; i < new GitHubSettings().CreationsPerHour; i++)
        {
            var turn = lane.WaitTurnAsync(creates: true, CancellationToken.None);
            while (!turn.IsCompleted)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                await Task.Yield();
            }
            await turn;
        }
        var elapsed = _time.GetUtcNow() - DateTimeOffset.Parse("2026-12-03T10:00:00Z");

        var next = lane.WaitTurnAsync(creates: true, CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1) - elapsed - TimeSpan.FromSeconds(1));
        await Task.Delay(20);
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        // The 500 themselves went a second apart after the first burst.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(new GitHubSettings().CreationsPerHour - WritePacer.Burst - 1), TimeSpan.FromSeconds(new GitHubSettings().CreationsPerHour));
    }

    [Fact]
    public async Task Every_write_the_bot_sends_through_its_GitHub_client_is_paced()
    {
        using var github = new Support.FakeGitHub(_time);
        github.IssuesTokens(_time.GetUtcNow());
        github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/repos/acme/customer/issues/1/comments").UsingPost())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"body":"x"}"""));
        var issue = new MarketingBot.Effects.IssueRef("acme", "customer", 1);
        var comments = Enumerable.Range(0, WritePacer.Burst + 2).Select(i => (MarketingBot.Effects.Effect)new MarketingBot.Effects.PostComment(issue, $"reminder {i}")).ToList();

        var applying = github.Effects.ApplyAsync(Support.FakeGitHub.InstallationId, comments, CancellationToken.None);
        Assert.True(await Support.Eventually.UntilAsync(() => github.Requests("/repos/acme/customer/issues/1/comments", "POST").Count == WritePacer.Burst));
        await Task.Delay(100);
        Assert.Equal(WritePacer.Burst, github.Requests("/repos/acme/customer/issues/1/comments", "POST").Count);
        for (var second = 0; second < 2 && !applying.IsCompleted; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await Support.Eventually.UntilAsync(() => github.Requests("/repos/acme/customer/issues/1/comments", "POST").Count == WritePacer.Burst + second + 1));
        }
        await applying.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
