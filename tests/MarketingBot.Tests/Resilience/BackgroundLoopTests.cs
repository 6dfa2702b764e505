using System.Net;
using System.Text.Json;
using MarketingBot.Health;
using MarketingBot.Planner;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Resilience;

/// <summary>No background failure stops the service: each is reported, and the loop goes on.</summary>
public sealed class BackgroundLoopTests
{
    [Fact]
    public async Task A_loop_that_throws_is_reported_and_started_again_with_a_growing_wait_until_it_works()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-03T10:00:00Z"));
        var loops = TestLoops.Create(time);
        var starts = 0;
        using var stop = new CancellationTokenSource();
        var supervised = loops.SuperviseAsync("card-poll", async ct =>
        {
            if (++starts <= 3) throw new InvalidOperationException($"odd answer {starts}");
            loops.Succeeded("card-poll");
            await Task.Delay(Timeout.Infinite, ct);
        }, stop.Token);

        Assert.True(await Eventually.UntilAsync(() => starts == 1));
        Assert.Equal(("InvalidOperationException: odd answer 1", 1), (loops.States["card-poll"].Failure, loops.States["card-poll"].ConsecutiveFailures));
        var check = await new BackgroundLoopsCheck(loops).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, check.Status);
        Assert.Contains("card-poll failing since 2026-12-03T10:00:00", check.Description);

        // 1 s, then 2 s, then 4 s: nothing starts before its wait is over.
        Assert.InRange(await AdvanceUntilAsync(time, () => starts == 2), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
        Assert.InRange(await AdvanceUntilAsync(time, () => starts == 3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.5));
        Assert.InRange(await AdvanceUntilAsync(time, () => loops.States["card-poll"].Failure is null), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4.5));
        Assert.Equal(HealthStatus.Healthy, (await new BackgroundLoopsCheck(loops).CheckHealthAsync(new HealthCheckContext())).Status);

        await stop.CancelAsync();
        await supervised.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="done"/>; returns how far it moved.</summary>
    private static async Task<TimeSpan> AdvanceUntilAsync(FakeTimeProvider time, Func<bool> done)
    {
        var step = TimeSpan.FromMilliseconds(50);
        var moved = TimeSpan.Zero;
        while (!done())
        {
            Assert.True(moved < TimeSpan.FromSeconds(30), "it never happened");
            time.Advance(step);
            moved += step;
            // The loop's own thread sees the tick and runs before the next step.
            await Eventually.UntilAsync(done, TimeSpan.FromMilliseconds(20));
        }
        return moved;
    }

    [Fact]
    public void The_wait_doubles_from_a_second_to_at_most_two_minutes()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 120, 120], Enumerable.Range(1, 9).Select(n => (int)BackgroundLoops.Backoff(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(2), BackgroundLoops.Backoff(1_000));
    }

    [Fact]
    public async Task Every_loop_that_meets_odd_answers_from_GitHub_and_Google_reports_it_and_the_intake_keeps_answering()
    {
        using var github = new FakeGitHub();
        // A proxy's sign-in page where the API should be: 200, but HTML; and JSON of a shape no client expects.
        github.Server.Given(Request.Create().WithPath("/*")).AtPriority(-10)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/html").WithBody("<html><body>Sign in to continue</body></html>"));
        github.Server.Given(Request.Create().WithPath("/app/installations")).AtPriority(-20)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""[{"id":"forty-two"}]"""));
        using var google = new FakeGoogle();
        // What Google says once the service account's key is deleted.
        google.Server.Given(Request.Create().WithPath("/token")).AtPriority(-10)
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json")
                .WithBody("""{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"""));
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("app.pem"), github.Key.ExportRSAPrivateKeyPem());
        await using var bot = new BotFactory(new(google.Settings)
        {
            ["Bot:DryRun"] = "false",
            ["GitHub:AppId"] = FakeGitHub.AppId.ToString(),
            ["GitHub:PrivateKeyPath"] = folder.File("app.pem"),
            ["GitHub:ApiBaseUrl"] = github.Server.Urls[0],
            ["Bot:BoardPollInterval"] = "00:00:00.100",
            ["Bot:RecoverMissedDeliveries"] = "true",
            ["Bot:RecoveryInterval"] = "00:00:00.100",
            ["Sheets:ReconcileInterval"] = "00:00:00.100",
        });
        _ = bot.Server;
        await bot.Services.GetRequiredService<PlannerMirror>().EnqueueAsync(
            new PlannerRow("https://github.com/acme/marketing/issues/1", new Dictionary<string, string> { ["Title"] = "Launch post" }), ["URL", "Title"]);

        var loops = bot.Services.GetRequiredService<BackgroundLoops>();
        string[] failing = ["card-poll", "missed-deliveries", "planner-reconcile", "planner-flush"];
        Assert.True(await Eventually.UntilAsync(() => failing.All(c => loops.States.TryGetValue(c, out var s) && s.ConsecutiveFailures >= 2), TimeSpan.FromSeconds(30)),
            string.Join("; ", loops.States.Select(s => $"{s.Key}: {s.Value}")));
        Assert.Contains("invalid_grant", loops.States["planner-flush"].Failure);

        var readiness = await bot.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        using var json = JsonDocument.Parse(await readiness.Content.ReadAsStringAsync());
        var described = json.RootElement.GetProperty("checks").GetProperty("background-loops").GetProperty("description").GetString()!;
        foreach (var component in failing) Assert.Contains($"{component} failing since", described);

        var body = """{"zen":"Design for failure.","hook_id":1}"""u8.ToArray();
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("ping", "still-answering", body)).StatusCode);
        Assert.False(bot.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }
}
