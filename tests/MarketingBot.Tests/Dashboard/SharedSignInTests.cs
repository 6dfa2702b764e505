using System.Net;
using System.Text.RegularExpressions;
using MarketingBot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace MarketingBot.Tests.Dashboard;

/// <summary>Two replicas on one PostgreSQL database, as the Kubernetes Deployment runs them: a sign-in made on one holds on the other.</summary>
[Collection(PostgresCollection.Name)]
public sealed partial class SharedSignInTests(PostgresServer server)
{
    private const string Token = "correct horse battery staple";

    [PostgresFact]
    public async Task A_sign_in_and_a_form_made_on_one_replica_are_taken_by_another()
    {
        var database = await server.CreateDatabaseAsync();
        Dictionary<string, string?> settings = new() { ["Dashboard:Token"] = Token, ["Storage:Provider"] = "Postgres", ["Storage:ConnectionString"] = database };
        await using var first = new BotFactory(settings);
        await using var second = new BotFactory(settings);
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false };
        using var onFirst = first.CreateClient(options);
        using var onSecond = second.CreateClient(options);

        // Sign in on the first replica: its form's anti-forgery token and cookie, then the session cookie.
        var form = await onFirst.GetAsync("/signin");
        var cookies = Cookies(form);
        var token = HiddenToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([new("token", Token), new("__RequestVerificationToken", token)]),
        };
        signIn.Headers.Add("Cookie", cookies);
        var signedIn = await onFirst.SendAsync(signIn);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);

        // The second replica takes the session.
        using var dashboard = new HttpRequestMessage(HttpMethod.Get, "/");
        dashboard.Headers.Add("Cookie", $"{cookies}; {Cookies(signedIn)}");
        var page = await onSecond.SendAsync(dashboard);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        // The keys live in the database, not in either process's file system.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM sign_in_keys", connection);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static string Cookies(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var set) ? set.Select(c => c.Split(';')[0]) : []);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}
