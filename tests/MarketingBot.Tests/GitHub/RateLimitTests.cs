using MarketingBot.Effects;
using MarketingBot.GitHub;
using MarketingBot.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.GitHub;

public sealed class RateLimitTests : IDisposable
{
    private const string Labels = "/repos/acme/customer/issues/1/labels";
    private static readonly IssueRef Issue = new("acme", "customer", 1);
    private readonly FakeGitHub _github = new();

    public RateLimitTests() => _github.HasLabels();

    public void Dispose() => _github.Dispose();

    [Fact]
    public async Task A_429_with_Retry_After_is_waited_out_and_the_call_retried()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        _github.Server.Given(Request.Create().WithPath(Labels).UsingPost()).InScenario("limited").WillSetStateTo("free")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithBody("""{"message":"slow down"}"""));
        _github.Server.Given(Request.Create().WithPath(Labels).UsingPost()).InScenario("limited").WhenStateIs("free")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));

        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new AddLabels(Issue, [new Label("request: social-post", "1d76db", null)])], CancellationToken.None);

        var calls = _github.Requests(Labels, "POST");
        Assert.Equal(2, calls.Count);
        var gap = calls[1].DateTime - calls[0].DateTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950), $"retried after {gap.TotalMilliseconds} ms, before Retry-After's 1 s");
    }

    [Fact]
    public async Task An_exhausted_limit_with_a_distant_reset_is_not_waited_in_place_but_handed_back_with_the_reset_time()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        var reset = DateTimeOffset.UtcNow.AddMinutes(40).ToUnixTimeSeconds();
        _github.Server.Given(Request.Create().WithPath(Labels).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(403)
                .WithHeader("x-ratelimit-remaining", "0").WithHeader("x-ratelimit-reset", reset.ToString())
                .WithBody("""{"message":"API rate limit exceeded"}"""));

        var limited = await Assert.ThrowsAsync<GitHubRateLimitedException>(() =>
            _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new AddLabels(Issue, [new Label("x", "ededed", null)])], CancellationToken.None));

        Assert.Equal(reset, limited.RetryAt.ToUnixTimeSeconds());
        Assert.Single(_github.Requests(Labels, "POST"));
    }

    [Fact]
    public async Task A_plain_403_for_a_missing_permission_is_not_mistaken_for_a_rate_limit()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        _github.Server.Given(Request.Create().WithPath(Labels).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(403).WithHeader("x-ratelimit-remaining", "4999")
                .WithBody("""{"message":"Resource not accessible by integration"}"""));

        var refused = await Assert.ThrowsAsync<Octokit.ForbiddenException>(() =>
            _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new AddLabels(Issue, [new Label("x", "ededed", null)])], CancellationToken.None));
        Assert.Contains("not accessible", refused.Message);
        Assert.Single(_github.Requests(Labels, "POST"));
    }

    [Fact]
    public async Task A_server_error_on_a_read_is_retried()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        _github.IsApp();
        const string comments = "/repos/acme/customer/issues/1/comments";
        _github.Server.Given(Request.Create().WithPath(comments).UsingGet()).InScenario("flaky").WillSetStateTo("ok")
            .RespondWith(Response.Create().WithStatusCode(502));
        _github.Server.Given(Request.Create().WithPath(comments).UsingGet()).InScenario("flaky").WhenStateIs("ok")
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("[]"));
        _github.Server.Given(Request.Create().WithPath(comments).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json").WithBody("""{"id":1,"body":"x"}"""));

        await _github.Effects.ApplyAsync(FakeGitHub.InstallationId, [new UpsertBotComment(Issue, "<!-- m -->", "<!-- m -->\nhello")], CancellationToken.None);

        Assert.Equal(2, _github.Requests(comments, "GET").Count);
        Assert.Single(_github.Requests(comments, "POST"));
    }
}
