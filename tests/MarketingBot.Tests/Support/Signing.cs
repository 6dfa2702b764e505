using System.Security.Cryptography;
using System.Text;

namespace MarketingBot.Tests.Support;

public static class Signing
{
    /// <summary>The X-Hub-Signature-256 header GitHub would send for this body.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
