using System.Text.Json;
using MarketingBot.Planner;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Planner;

public sealed class PlannerReconcileTests : IAsyncLifetime
{
    private readonly FakeGitHub _github = new();
    private readonly FakeGoogle _google = new();
    private readonly TempFolder _folder = new();
    private BotFactory _bot = null!;

    private static string Url(int number) => $"https://github.com/acme/customer/issues/{number}";

    private static object Issue(int number) => new
    {
        id = 1000 + number,
        number,
        title = $"[Social post] Request {number}",
        body = "### What should we share?\n\nOur launch",
        user = new { login = "requester", id = 1 },
        labels = new[] { new { id = 1, name = "request: social-post", color = "1d76db" } },
        assignees = Array.Empty<object>(),
        state = "open",
        html_url = Url(number),
        url = $"https://api.github.com/repos/acme/customer/issues/{number}",
        created_at = "2026-11-02T09:30:00Z",
        updated_at = "2026-11-02T09:30:00Z",
    };

    private void Json(string path, object body, int status = 200, (string Name, string Value)? param = null, int priority = 10)
    {
        var request = Request.Create().WithPath(path).UsingGet();
        if (param is { } p) request = request.WithParam(p.Name, p.Value);
        _github.Server.Given(request).AtPriority(priority).RespondWith(Response.Create().WithStatusCode(status)
            .WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(body)));
    }

    public async Task InitializeAsync()
    {
        _github.IssuesTokens(DateTimeOffset.UtcNow);
        Json("/app/installations", new[] { new { id = FakeGitHub.InstallationId, account = new { login = "acme", id = 9 } } });
        Json("/installation/repositories", new
        {
            total_count = 1,
            repositories = new[] { new { id = 7, name = "customer", full_name = "acme/customer", owner = new { login = "acme", id = 9 } } },
        });
        Json("/repos/acme/customer/contents/.github/marketingbot.yml", new { message = "Not Found" }, status: 404);
        Json("/repos/acme/customer/issues", Array.Empty<object>());
        Json("/repos/acme/customer/issues", new[] { Issue(7), Issue(8) }, param: ("labels", "request: social-post"), priority: 1);
        Json("/repos/acme/customer/installation", new { id = FakeGitHub.InstallationId });
        Json("/repos/acme/customer/issues/5", Issue(5));
        Json("/repos/acme/customer/issues/99", new { message = "Not Found" }, status: 404);

        await File.WriteAllTextAsync(_folder.File("app.pem"), _github.Key.ExportRSAPrivateKeyPem());
        _bot = new BotFactory(new(_google.Settings)
        {
            ["Bot:DryRun"] = "false",
            ["GitHub:AppId"] = FakeGitHub.AppId.ToString(),
            ["GitHub:PrivateKeyPath"] = _folder.File("app.pem"),
            ["GitHub:ApiBaseUrl"] = _github.Server.Urls[0],
        });
        _ = _bot.Server;
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        _github.Dispose();
        _google.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Reconcile_restores_deleted_rows_rewrites_edited_cells_reports_orphans_and_deletes_nothing()
    {
        var columns = PlannerLayout.KnownColumns;
        for (var c = 0; c < columns.Count; c++) _google.Set(0, c, columns[c]);
        _google.Set(0, 12, "Notes");
        // #7 edited by hand; #8 deleted; #5 is closed (no longer listed, still exists); #99 no longer exists.
        foreach (var (row, number, status) in new[] { (1, 7, "Done???"), (2, 5, "Ready for review"), (3, 99, "Needs info") })
        {
            _google.Set(row, 0, $"#{number}");
            _google.Set(row, 7, status);
            _google.Set(row, 11, Url(number));
            _google.Set(row, 12, $"note {number}");
        }

        var report = await _bot.Services.GetRequiredService<PlannerReconcile>().RunAsync(CancellationToken.None);

        Assert.Equal("reconciled", report.Outcome);
        Assert.Equal((2, 1, 1), (report.Requests, report.Restored, report.Rewritten));
        Assert.Equal([Url(99)], report.Orphans);

        await Eventually.UntilAsync(() => _google.Grid.Count == 5);
        Assert.Equal(["#7", "#5", "#99", "#8"], _google.Grid.Skip(1).Select(r => r[0]));
        Assert.Equal("Needs info", _google.Grid[1][7]);
        Assert.Equal(["note 7", "note 5", "note 99"], _google.Grid.Skip(1).Take(3).Select(r => r[12]));
        Assert.Equal(Url(8), _google.Grid[4][11]);
    }

    [Fact]
    public async Task A_request_closed_in_the_last_90_days_gets_its_final_state_and_an_older_one_is_left_alone()
    {
        object Closed(int number, string reason, DateTimeOffset at)
        {
            var issue = JsonSerializer.SerializeToNode(Issue(number))!.AsObject();
            issue["state"] = "closed";
            issue["state_reason"] = reason;
            issue["closed_at"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ");
            issue["updated_at"] = at.ToString("yyyy-MM-ddTHH:mm:ssZ");
            return issue;
        }
        Json("/repos/acme/customer/issues", new[] { Issue(7), Closed(5, "not_planned", DateTimeOffset.UtcNow.AddDays(-3)), Closed(4, "completed", DateTimeOffset.UtcNow.AddDays(-120)) },
            param: ("state", "all"), priority: 0);
        foreach (var (row, number, status) in new[] { (1, 7, "Needs info"), (2, 5, "Ready for review"), (3, 4, "Ready for review") })
        {
            _google.Set(row, 0, $"#{number}");
            _google.Set(row, 7, status);
            _google.Set(row, 11, Url(number));
        }
        Json("/repos/acme/customer/issues/4", Issue(4));

        var report = await _bot.Services.GetRequiredService<PlannerReconcile>().RunAsync(CancellationToken.None);

        Assert.Equal("reconciled", report.Outcome);
        await Eventually.UntilAsync(() => _google.Grid[2][7] == "Not planned");
        Assert.Equal("Not planned", _google.Grid[2][7]);
        Assert.Equal("Ready for review", _google.Grid[3][7]);
    }

    [Fact]
    public async Task Reconcile_is_skipped_with_the_reason_in_dry_run()
    {
        await using var dry = new BotFactory(new(_google.Settings) { ["Bot:DryRun"] = "true" });
        var report = await dry.Services.GetRequiredService<PlannerReconcile>().RunAsync(CancellationToken.None);
        Assert.Equal("skipped: dry run (Bot__DryRun=true)", report.Outcome);
    }
}
