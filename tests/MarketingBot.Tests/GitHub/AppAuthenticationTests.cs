using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.GitHub;

public sealed class AppAuthenticationTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
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
