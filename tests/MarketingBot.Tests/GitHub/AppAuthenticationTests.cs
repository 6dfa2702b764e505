using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.GitHub;

public sealed class AppAuthenticationTests : IDisposable
{
    // GitHub's answers carry its Date (WireMock's server sets it from the real clock), and a token's lifetime is judged from
    // it: the bot's clock starts at the real time, to the second.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly FakeGitHub _github;

    public AppAuthenticationTests() => _github = new FakeGitHub(_time);

    public void Dispose() => _github.Dispose();

    [Fact]
    public async Task An_installation_token_is_fetched_once_and_reused_until_shortly_before_it_expires()
    {
        _github.IssuesTokens(_time.GetUtcNow());
        var tokens = $"/app/installations/{FakeGitHub.InstallationId}/access_tokens";

        var first = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId)));
        _time.Advance(TimeSpan.FromMinutes(54));
        var later = await _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);

        Assert.All(first, t => Assert.Equal("ghs_installation", t));
        Assert.Equal("ghs_installation", later);
        Assert.Single(_github.Requests(tokens, "POST"));

        _time.Advance(TimeSpan.FromMinutes(2));
        await _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);
        Assert.Equal(2, _github.Requests(tokens, "POST").Count);
    }

    [Fact]
    public async Task A_token_lives_as_long_as_GitHub_says_even_when_the_bots_clock_is_ten_minutes_slow()
    {
        var slow = new FakeTimeProvider(_time.GetUtcNow().AddMinutes(-10));
        using var github = new FakeGitHub(slow);
        // GitHub's clock (its Date, and expires_at an hour on) runs ten minutes ahead of the bot's.
        github.IssuesTokens(_time.GetUtcNow());
        var tokens = $"/app/installations/{FakeGitHub.InstallationId}/access_tokens";
        await github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);

        slow.Advance(TimeSpan.FromMinutes(54));
        await github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);
        Assert.Single(github.Requests(tokens, "POST"));
        // 56 minutes after it arrived: by the bot's clock expires_at is 14 minutes off, but GitHub's hour is nearly over.
        slow.Advance(TimeSpan.FromMinutes(2));
        await github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);
        Assert.Equal(2, github.Requests(tokens, "POST").Count);
    }

    [Fact]
    public async Task A_cached_token_GitHub_refuses_is_dropped_and_the_call_sent_once_more_with_a_fresh_one()
    {
        var issued = 0;
        _github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath($"/app/installations/{FakeGitHub.InstallationId}/access_tokens").UsingPost())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(_ => new WireMock.ResponseMessage
            {
                StatusCode = 201,
                Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("application/json"), ["Date"] = new(_time.GetUtcNow().ToString("R")) },
                BodyData = new WireMock.Util.BodyData
                {
                    DetectedBodyType = WireMock.Types.BodyType.String,
                    BodyAsString = $$"""{"token":"ghs_{{++issued}}","expires_at":"{{_time.GetUtcNow().AddHours(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}""",
                },
            }));
        _github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/repos/acme/customer/issues/1").UsingGet()
                .WithHeader("Authorization", "*ghs_1", WireMock.Matchers.MatchBehaviour.AcceptOnMatch))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(401).WithHeader("Content-Type", "application/json")
                .WithBody("""{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"""));
        _github.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/repos/acme/customer/issues/1").UsingGet()
                .WithHeader("Authorization", "*ghs_2", WireMock.Matchers.MatchBehaviour.AcceptOnMatch))
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"id":1,"number":1,"title":"Social post: v2.5","state":"open","node_id":"I_1"}"""));

        Assert.Equal("ghs_1", await _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId));
        var issue = await _github.Clients.ForInstallation(FakeGitHub.InstallationId).Issue.Get("acme", "customer", 1);

        Assert.Equal("Social post: v2.5", issue.Title);
        Assert.Equal(2, issued);
        Assert.Equal(2, _github.Requests("/repos/acme/customer/issues/1", "GET").Count);
        // The fresh token is the one kept.
        Assert.Equal("ghs_2", await _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId));
    }

    [Fact]
    public async Task The_token_request_carries_an_RS256_App_JWT_issued_60s_ago_and_valid_under_10_minutes()
    {
        _github.IssuesTokens(_time.GetUtcNow());
        await _github.Clients.InstallationTokenAsync(FakeGitHub.InstallationId);

        var request = Assert.Single(_github.Requests($"/app/installations/{FakeGitHub.InstallationId}/access_tokens", "POST"));
        Assert.StartsWith("MarketingBot", request.Headers!["User-Agent"].Single());
        var authorization = request.Headers["Authorization"].Single();
        Assert.StartsWith("Bearer ", authorization);
        var parts = authorization["Bearer ".Length..].Split('.');
        Assert.Equal(3, parts.Length);

        using var header = JsonDocument.Parse(Base64Url.Decode(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        using var claims = JsonDocument.Parse(Base64Url.Decode(parts[1]));
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(FakeGitHub.AppId.ToString(), claims.RootElement.GetProperty("iss").GetString());
        Assert.Equal(now - 60, claims.RootElement.GetProperty("iat").GetInt64());
        var exp = claims.RootElement.GetProperty("exp").GetInt64();
        Assert.InRange(exp - now, 60, 600);
        Assert.True(_github.Key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.Decode(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "signed with the App's private key");
    }

}
