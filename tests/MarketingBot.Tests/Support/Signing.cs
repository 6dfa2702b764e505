using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MarketingBot.Tests.Support;

public static class Signing
{
    /// <summary>The X-Hub-Signature-256 header GitHub would send for this body.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>An <c>issues.edited</c> delivery of issue <paramref name="issue"/>, signed as GitHub would send it to a running service.</summary>
    public static HttpRequestMessage IssueEdited(string secret, string guid, int issue)
    {
        var body = Payloads.IssueEvent("edited", issue, $"I_{issue}");
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/github/webhooks") { Content = content };
        request.Headers.Add("X-GitHub-Event", "issues");
        request.Headers.Add("X-GitHub-Delivery", guid);
        request.Headers.Add("X-Hub-Signature-256", Sign(secret, body));
        return request;
    }
}
