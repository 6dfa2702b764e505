using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using MarketingBot.Configuration;
using Microsoft.Extensions.Options;

namespace MarketingBot.GitHub;

/// <summary>An error GitHub's GraphQL API answered with (HTTP 200 and an <c>errors</c> list).</summary>
public sealed class GitHubGraphQLException(string type, string message) : Exception(message)
{
    /// <summary>GitHub's error type, e.g. <c>NOT_FOUND</c>, <c>FORBIDDEN</c>.</summary>
    public string Type { get; } = type;
}

/// <summary>
/// GitHub's GraphQL API: documents as text, answers as typed System.Text.Json models, on the
/// same HTTP pipeline as REST (User-Agent, retries, rate limits). GitHub signals an exhausted
/// GraphQL limit with HTTP 200 and a <c>RATE_LIMITED</c> error; that becomes a
/// <see cref="GitHubRateLimitedException"/> so the delivery is retried after the reset.
/// </summary>
public sealed class GitHubGraphQL(IHttpClientFactory http, GitHubClients clients, IOptions<GitHubSettings> settings, TimeProvider time)
{
    /// <summary>Marks a request safe to repeat (a query), so the pipeline may retry it after a server error although it is a POST.</summary>
    public static readonly HttpRequestOptionsKey<bool> RetrySafe = new("marketingbot.retry-safe");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<T> QueryAsync<T>(long installationId, string document, object variables, CancellationToken cancellationToken) =>
        SendAsync<T>(installationId, document, variables, retrySafe: true, cancellationToken);

    public Task<T> MutateAsync<T>(long installationId, string document, object variables, CancellationToken cancellationToken) =>
        SendAsync<T>(installationId, document, variables, retrySafe: false, cancellationToken);

    private async Task<T> SendAsync<T>(long installationId, string document, object variables, bool retrySafe, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Value.GraphQLUri)
        {
            Content = JsonContent.Create(new { query = document, variables }, options: Json),
        };
        request.Options.Set(RetrySafe, retrySafe);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await clients.InstallationTokenAsync(installationId));
        request.Headers.UserAgent.Add(GitHubClients.UserAgent);
        using var client = http.CreateClient(GitHubHttp.ClientName);
        using var response = await client.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<Answer<T>>(Json, cancellationToken)
            ?? throw new GitHubGraphQLException("EMPTY", "GitHub's GraphQL API answered with no body.");
        if (answer.Errors is { Count: > 0 } errors)
        {
            if (errors.Any(e => e.Type == "RATE_LIMITED"))
                throw new GitHubRateLimitedException(GitHubRateLimit.RetryAt(response, time.GetUtcNow()) ?? time.GetUtcNow() + GitHubRateLimit.DefaultWait);
            throw new GitHubGraphQLException(errors[0].Type ?? "ERROR", string.Join("; ", errors.Select(e => e.Message)));
        }
        return answer.Data ?? throw new GitHubGraphQLException("EMPTY", "GitHub's GraphQL API answered with no data.");
    }

    private sealed record Answer<T>(T? Data, List<Error>? Errors);

    private sealed record Error(string? Type, string Message);
}
