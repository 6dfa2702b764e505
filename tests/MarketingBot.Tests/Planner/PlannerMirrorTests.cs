using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using MarketingBot.Planner;
using MarketingBot.Requests;
using MarketingBot.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace MarketingBot.Tests.Planner;

public sealed class PlannerMirrorTests : IDisposable
{
    private static readonly IReadOnlyList<string> Columns = PlannerLayout.KnownColumns;
    private readonly FakeGoogle _google = new();

    public void Dispose() => _google.Dispose();

    private static PlannerRow Row(int number, string title = "Release 2.5", string status = "Needs info") => new(
        $"https://github.com/acme/customer/issues/{number}",
        new Dictionary<string, string>
        {
            ["Issue"] = $"#{number}", ["Title"] = title, ["Type"] = "Social post request", ["Status"] = status,
            ["URL"] = $"https://github.com/acme/customer/issues/{number}",
        });

    private async Task Write(params PlannerRow[] rows)
    {
        foreach (var row in rows) await _google.Mirror.EnqueueAsync(row, Columns);
        Assert.True(await _google.Mirror.FlushAsync(CancellationToken.None), _google.Mirror.State.LastError);
    }

    [Fact]
    public async Task A_new_request_gets_the_header_and_a_row()
    {
        await Write(Row(7));
        Assert.Equal(Columns, _google.Grid[0]);
        Assert.Equal(["#7", "Release 2.5", "Social post request", "", "", "", "", "Needs info", "", "", "", "https://github.com/acme/customer/issues/7"], _google.Grid[1]);
        Assert.Equal(1, _google.Writes);
    }

    [Fact]
    public async Task An_access_token_Google_refuses_is_renewed_and_the_call_sent_once_more()
    {
        // Google no longer takes the cached token (the key was rotated): its first answer is a 401.
        _google.Server.Given(Request.Create().WithPath("/v4/spreadsheets/*").UsingAnyMethod()).AtPriority(-10)
            .InScenario("revoked").WillSetStateTo("renewed")
            .RespondWith(Response.Create().WithStatusCode(401).WithHeader("Content-Type", "application/json")
                .WithBody("""{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"""));

        await Write(Row(7));

        Assert.Equal(2, _google.TokenRequests);
        Assert.Equal("#7", _google.Grid[1][0]);
        Assert.Null(_google.Mirror.State.LastError);
    }

    [Fact]
    public async Task Rows_a_stopped_or_killed_bot_had_decided_but_not_written_are_written_when_the_mirror_starts()
    {
        // What the last run left: the row was kept before its delivery counted as done, and then the process died.
        await _google.Queue.EnqueueAsync(Row(7, title: "Decided before the crash"), Columns, rewrite: false);

        using var stop = new CancellationTokenSource();
        await _google.Mirror.StartAsync(stop.Token);
        Assert.True(await Eventually.UntilAsync(() => _google.Grid.Count > 1 && _google.Grid[1][1] == "Decided before the crash"));
        await _google.Mirror.StopAsync(CancellationToken.None);
        Assert.Equal(0, await _google.Queue.CountAsync());
    }

    [Fact]
    public async Task A_row_queued_again_while_it_was_being_written_stays_for_the_next_write()
    {
        await _google.Queue.EnqueueAsync(Row(7, title: "First"), Columns, rewrite: false);
        var written = await _google.Queue.ReadAsync();
        await _google.Queue.EnqueueAsync(Row(7, title: "Second"), Columns, rewrite: false);

        await _google.Queue.RemoveWrittenAsync(written);
        Assert.Equal("Second", Assert.Single(await _google.Queue.ReadAsync()).Row.Values["Title"]);
    }

    [Fact]
    public async Task A_success_that_is_not_JSON_is_named_as_such_and_the_row_kept()
    {
        _google.Server.Given(Request.Create().WithPath("/v4/spreadsheets/*").UsingAnyMethod()).AtPriority(-10)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/html").WithBody("<html><body>Sign in to the proxy</body></html>"));

        await _google.Mirror.EnqueueAsync(Row(7), Columns);
        Assert.False(await _google.Mirror.FlushAsync(CancellationToken.None));

        Assert.StartsWith("Sheets answered 200 with text/html, not JSON: <html>", _google.Mirror.State.LastError);
        Assert.Equal(1, _google.Mirror.State.Waiting);
    }

    [Fact]
    public async Task An_edit_rewrites_only_the_bots_cells_and_a_persons_notes_survive()
    {
        await Write(Row(7), Row(8));
        _google.Set(1, 12, "Check with legal first");
        _google.Set(0, 12, "Notes");

        await Write(Row(7, title: "Release 2.5 is out", status: "Ready for review"));

        Assert.Equal("Release 2.5 is out", _google.Grid[1][1]);
        Assert.Equal("Ready for review", _google.Grid[1][7]);
        Assert.Equal("Check with legal first", _google.Grid[1][12]);
        Assert.Equal("Notes", _google.Grid[0][12]);
        Assert.Equal("#8", _google.Grid[2][0]);
    }

    [Fact]
    public async Task A_row_moved_by_hand_is_found_by_its_URL_and_a_deleted_one_restored_below_the_rest()
    {
        await Write(Row(7), Row(8), Row(9));
        (_google.Grid[1], _google.Grid[3]) = (_google.Grid[3], _google.Grid[1]);
        _google.Grid.RemoveAt(2);

        await Write(Row(7, status: "Approved"), Row(8, status: "Approved"));

        Assert.Equal(["#9", "#7", "#8"], _google.Grid.Skip(1).Select(r => r[0]));
        Assert.Equal("Approved", _google.Grid[2][7]);
        Assert.Equal("Approved", _google.Grid[3][7]);
        Assert.Equal("Needs info", _google.Grid[1][7]);
    }

    [Fact]
    public async Task A_header_changed_by_hand_is_repaired()
    {
        await Write(Row(7));
        _google.Set(0, 1, "Headline");
        await Write(Row(7, status: "Approved"));
        Assert.Equal(Columns, _google.Grid[0]);
    }

    [Fact]
    public async Task The_header_row_is_frozen_once()
    {
        await Write(Row(7));
        await Write(Row(8));
        Assert.Equal(1, _google.Tabs[0].Frozen);
        Assert.Single(_google.Server.LogEntries, e => e.RequestMessage!.Path == $"/v4/spreadsheets/{FakeGoogle.SpreadsheetId}:batchUpdate");
    }

    [Fact]
    public async Task A_missing_tab_is_added_with_its_header_row_frozen()
    {
        _google.Tabs[0] = ("Sheet1", 0);
        await Write(Row(7));
        Assert.Equal(("Content Planner", 1), _google.Tabs[1]);
        Assert.Equal(0, _google.Tabs[0].Frozen);
    }

    [Fact]
    public async Task An_unchanged_row_is_not_written_again()
    {
        await Write(Row(7));
        await Write(Row(7));
        Assert.Equal(1, _google.Writes);
    }

    [Fact]
    public async Task A_hundred_edits_of_one_request_in_a_burst_make_at_most_three_writes()
    {
        using var stop = new CancellationTokenSource();
        await _google.Mirror.StartAsync(stop.Token);
        // Edits arriving as fast as deliveries are processed, interleaved with other work.
        for (var i = 0; i < 100; i++)
        {
            await _google.Mirror.EnqueueAsync(Row(7, title: $"Draft {i}"), Columns);
            await Task.Yield();
        }
        await Eventually.UntilAsync(() => _google.Mirror.State.Waiting == 0 && _google.Grid.Count > 1 && _google.Grid[1][1] == "Draft 99");
        await _google.Mirror.StopAsync(CancellationToken.None);

        Assert.Equal("Draft 99", _google.Grid[1][1]);
        Assert.InRange(_google.AllWrites, 1, 3);
    }

    [Fact]
    public async Task A_429_is_retried_and_the_write_lands()
    {
        _google.Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{FakeGoogle.SpreadsheetId}/values:batchUpdate").UsingPost())
            .AtPriority(1).InScenario("quota").WillSetStateTo("spent")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1")
                .WithBody("""{"error":{"code":429,"message":"Quota exceeded for quota metric 'Write requests'","status":"RESOURCE_EXHAUSTED"}}"""));

        await Write(Row(7));

        Assert.Equal("#7", _google.Grid[1][0]);
        Assert.Equal(2, _google.Server.LogEntries.Count(e => e.RequestMessage!.Path.EndsWith("/values:batchUpdate")));
    }

    [Fact]
    public async Task A_failed_write_keeps_the_row_for_the_next_try_and_reports_the_error()
    {
        _google.Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{FakeGoogle.SpreadsheetId}/values:batchUpdate").UsingPost())
            .AtPriority(1).RespondWith(Response.Create().WithStatusCode(403)
                .WithBody("""{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"""));
        await _google.Mirror.EnqueueAsync(Row(7), Columns);

        Assert.False(await _google.Mirror.FlushAsync(CancellationToken.None));
        Assert.Contains("does not have permission", _google.Mirror.State.LastError);
        Assert.Equal(1, _google.Mirror.State.Waiting);
    }

    [Fact]
    public async Task The_token_is_fetched_once_for_many_writes()
    {
        await Write(Row(7));
        await Write(Row(8));
        await Write(Row(9));
        Assert.Equal(1, _google.TokenRequests);
    }

    [Fact]
    public async Task The_assertion_sent_to_the_token_uri_is_a_valid_RS256_service_account_JWT()
    {
        await Write(Row(7));
        var form = HttpUtility.ParseQueryString(_google.TokenRequestBody!);
        Assert.Equal("urn:ietf:params:oauth:grant-type:jwt-bearer", form["grant_type"]);
        var parts = form["assertion"]!.Split('.');

        using var header = JsonDocument.Parse(Base64Url.Decode(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("key-1", header.RootElement.GetProperty("kid").GetString());
        using var claims = JsonDocument.Parse(Base64Url.Decode(parts[1]));
        Assert.Equal(FakeGoogle.ClientEmail, claims.RootElement.GetProperty("iss").GetString());
        // Sent to the key file's token_uri (this fake), with the audience Google documents for every assertion.
        Assert.Equal("https://oauth2.googleapis.com/token", claims.RootElement.GetProperty("aud").GetString());
        Assert.Contains("https://www.googleapis.com/auth/spreadsheets", claims.RootElement.GetProperty("scope").GetString());
        Assert.Equal(3600, claims.RootElement.GetProperty("exp").GetInt64() - claims.RootElement.GetProperty("iat").GetInt64());
        Assert.True(_google.Key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.Decode(parts[2]),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData(0, "A")]
    [InlineData(11, "L")]
    [InlineData(25, "Z")]
    [InlineData(26, "AA")]
    [InlineData(701, "ZZ")]
    [InlineData(702, "AAA")]
    public void Columns_are_named_in_A1_notation(int index, string letters) => Assert.Equal(letters, PlannerMirror.ColumnLetter(index));


    private async Task Open(params PlannerRow[] rows)
    {
        foreach (var row in rows) await _google.Mirror.EnqueueAsync(row, Columns, firstWrite: true);
        Assert.True(await _google.Mirror.FlushAsync(CancellationToken.None), _google.Mirror.State.LastError);
    }

    private IEnumerable<string> SheetsCalls => _google.Server.LogEntries.Select(e => e.RequestMessage!).Where(r => r.Path.StartsWith("/v4/", StringComparison.Ordinal))
        .Select(r => $"{r.Method} {Uri.UnescapeDataString(r.Path)[$"/v4/spreadsheets/{FakeGoogle.SpreadsheetId}".Length..]}");

    [Fact]
    public async Task A_request_just_opened_is_appended_in_one_request_below_rows_people_added_once_the_sheet_was_read()
    {
        await Write(Row(7));
        // Since the bot's last read, people typed a row of their own under it and sorted nothing.
        _google.Set(2, 1, "Agency invoice (typed by hand)");
        var before = SheetsCalls.Count();

        await Open(Row(8, title: "Launch"));

        Assert.Equal(["POST /values/'Content Planner'!A1:L:append"], SheetsCalls.Skip(before));
        Assert.Equal("Agency invoice (typed by hand)", _google.Grid[2][1]);
        Assert.Equal("#8", _google.Grid[3][0]);
        // Where the append landed is remembered: the next change to #8 is read first, and written on its row.
        await Write(Row(8, title: "Launch, moved to Friday"));
        Assert.Equal("Launch, moved to Friday", _google.Grid[3][1]);
        Assert.Equal(4, _google.Grid.Count(r => r.Count > 0));
    }

    [Fact]
    public async Task A_first_write_is_read_first_until_the_bot_has_seen_the_sheet_and_for_a_url_it_already_placed()
    {
        // A fresh process: it has never read the sheet, so it cannot tell a new row from one already there.
        await Open(Row(7));
        Assert.DoesNotContain(SheetsCalls, c => c.EndsWith(":append", StringComparison.Ordinal));
        var before = SheetsCalls.Count();

        // The same opened delivery again (a redelivery): #7 has a row, so it is found and left as it is, not appended twice.
        await Open(Row(7));
        Assert.Equal(["GET /values:batchGet"], SheetsCalls.Skip(before));
        Assert.Single(_google.Grid, r => r.Contains("https://github.com/acme/customer/issues/7"));
    }

    [Fact]
    public async Task A_failed_append_makes_the_next_write_read_the_sheet_first_and_place_the_row_once()
    {
        await Write(Row(7));
        _google.Server.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher(":append$")).UsingPost()).AtPriority(-10)
            .RespondWith(Response.Create().WithStatusCode(503));
        await _google.Mirror.EnqueueAsync(Row(8), Columns, firstWrite: true);
        Assert.False(await _google.Mirror.FlushAsync(CancellationToken.None));

        var before = SheetsCalls.Count();
        Assert.True(await _google.Mirror.FlushAsync(CancellationToken.None), _google.Mirror.State.LastError);

        Assert.Equal(["GET /values:batchGet", "POST /values:batchUpdate"], SheetsCalls.Skip(before));
        Assert.Single(_google.Grid, r => r.Contains("https://github.com/acme/customer/issues/8"));
    }
}

public sealed class PlannerTokenLifetimeTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeGoogle _google;

    public PlannerTokenLifetimeTests() => _google = new FakeGoogle(_time);

    public void Dispose() => _google.Dispose();

    [Fact]
    public async Task The_token_is_reused_until_near_its_expiry_then_fetched_again()
    {
        var row = new PlannerRow("https://github.com/acme/customer/issues/1", new Dictionary<string, string> { ["URL"] = "https://github.com/acme/customer/issues/1" });
        await _google.Mirror.EnqueueAsync(row, PlannerLayout.KnownColumns);
        await _google.Mirror.FlushAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(50));
        await _google.Mirror.EnqueueAsync(row with { Values = new Dictionary<string, string>(row.Values) { ["Title"] = "x" } }, PlannerLayout.KnownColumns);
        await _google.Mirror.FlushAsync(CancellationToken.None);
        Assert.Equal(1, _google.TokenRequests);

        _time.Advance(TimeSpan.FromMinutes(9));
        await _google.Mirror.EnqueueAsync(row with { Values = new Dictionary<string, string>(row.Values) { ["Title"] = "y" } }, PlannerLayout.KnownColumns);
        await _google.Mirror.FlushAsync(CancellationToken.None);
        Assert.Equal(2, _google.TokenRequests);
    }
}
