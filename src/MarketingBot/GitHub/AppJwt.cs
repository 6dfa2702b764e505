using System.Security.Cryptography;
using MarketingBot.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MarketingBot.GitHub;

/// <summary>
/// The GitHub App's own identity: an RS256 JWT signed with the App's private key, issued 60 s in
/// the past (GitHub's clocks may be behind ours) and valid for 9 minutes (GitHub refuses over 10).
/// </summary>
public sealed class AppJwt(IOptions<GitHubSettings> settings, TimeProvider time)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);
    private static readonly TimeSpan Reuse = TimeSpan.FromMinutes(5);

    private readonly Lazy<SigningCredentials> _key = new(() => LoadKey(settings.Value));
    private readonly Lock _lock = new();
    private (string Jwt, DateTimeOffset ReuseUntil)? _current;

    public string Create()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_current is { } c && now < c.ReuseUntil) return c.Jwt;
            var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
            var jwt = handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = settings.Value.AppId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                IssuedAt = (now - ClockSkew).UtcDateTime,
                Expires = (now - ClockSkew + Lifetime).UtcDateTime,
                SigningCredentials = _key.Value,
            });
            _current = (jwt, now + Reuse);
            return jwt;
        }
    }

    private static SigningCredentials LoadKey(GitHubSettings settings)
    {
        var path = settings.PrivateKeyPath ?? throw new InvalidOperationException("GitHub__PrivateKeyPath is not set.");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new InvalidOperationException(
                $"GitHub__PrivateKeyPath: could not read the App's RSA private key from '{path}' ({ex.GetType().Name}). Download a new .pem from the App's settings.", ex);
        }
        return new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
    }
}
