namespace MarketingBot.Tests.Support;

/// <summary>JWT segments are base64url without padding.</summary>
public static class Base64Url
{
    public static byte[] Decode(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/').PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
}
