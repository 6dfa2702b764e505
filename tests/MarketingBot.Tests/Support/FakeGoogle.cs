using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MarketingBot.Planner;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace MarketingBot.Tests.Support;

/// <summary>
/// WireMock as Google: the OAuth token endpoint named by the key file's token_uri, and one
/// spreadsheet whose values.batchGet / values.batchUpdate work on an in-memory grid.
/// </summary>
public sealed partial class FakeGoogle : IDisposable
{
    public const string SpreadsheetId = "sheet-123";
    public const string ClientEmail = "marketingbot@acme-marketing.iam.gserviceaccount.com";

    private readonly TempFolder _folder = new();
    private readonly ServiceProvider _services;
    private readonly Lock _lock = new();

    public FakeGoogle(TimeProvider? time = null, string sheetName = "Content Planner")
    {
        Server = WireMockServer.Start();
        Key = RSA.Create(2048);
        File.WriteAllText(_folder.File("key.json"), JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "acme-marketing",
            ["private_key_id"] = "key-1",
            ["private_key"] = Key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["token_uri"] = $"{Server.Urls[0]}/token",
        }));
        Server.Given(Request.Create().WithPath("/token").UsingPost()).RespondWith(Response.Create().WithStatusCode(200)
            .WithHeader("Content-Type", "application/json").WithBody("""{"access_token":"ya29.fake","expires_in":3600,"token_type":"Bearer"}"""));
        Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{SpreadsheetId}").UsingGet()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(_ => JsonAnswer.With(200, new JsonObject
            {
                ["sheets"] = new JsonArray(Tabs.Select(t => (JsonNode)new JsonObject
                {
                    ["properties"] = new JsonObject
                    {
                        ["sheetId"] = t.Key, ["title"] = t.Value.Title, ["index"] = t.Key,
                        ["gridProperties"] = new JsonObject { ["rowCount"] = 1000, ["columnCount"] = 26, ["frozenRowCount"] = t.Value.Frozen },
                    },
                }).ToArray()),
            })));
        Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{SpreadsheetId}:batchUpdate").UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(SpreadsheetUpdate));
        Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{SpreadsheetId}/values:batchGet").UsingGet()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(BatchGet));
        Server.Given(Request.Create().WithPath($"/v4/spreadsheets/{SpreadsheetId}/values:batchUpdate").UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(BatchUpdate));
        Server.Given(Request.Create().WithPath(new WireMock.Matchers.RegexMatcher($"^/v4/spreadsheets/{SpreadsheetId}/values/.+:append$")).UsingPost()).AtPriority(10)
            .RespondWith(Response.Create().WithCallback(Append));

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddMetrics().AddSingleton<MarketingBot.Telemetry.BotMetrics>().AddSingleton<MarketingBot.Health.BackgroundLoops>();
        services.AddSingleton(sp => MarketingBot.Storage.Database.OpenSqlite($"Data Source={_folder.File("planner.db")}", sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<PlannerQueue>();
        services.AddContentPlanner(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sheets:SpreadsheetId"] = SpreadsheetId,
            ["Sheets:SheetName"] = sheetName,
            ["Sheets:CredentialsPath"] = _folder.File("key.json"),
            ["Sheets:BaseUrl"] = Server.Urls[0],
            ["Sheets:CoalesceWindow"] = "00:00:00.300",
        }).Build());
        _services = services.BuildServiceProvider();
    }

    public WireMockServer Server { get; }

    /// <summary>The settings that point the bot at this fake.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["Sheets:SpreadsheetId"] = SpreadsheetId,
        ["Sheets:CredentialsPath"] = _folder.File("key.json"),
        ["Sheets:BaseUrl"] = Server.Urls[0],
        ["Sheets:CoalesceWindow"] = "00:00:00.300",
    };

    public RSA Key { get; }

    public PlannerMirror Mirror => _services.GetRequiredService<PlannerMirror>();

    /// <summary>The rows waiting for the sheet, in the mirror's database.</summary>
    public PlannerQueue Queue => _services.GetRequiredService<PlannerQueue>();

    /// <summary>The spreadsheet's tabs by sheet id: title and frozen rows.</summary>
    public Dictionary<int, (string Title, int Frozen)> Tabs { get; } = new() { [0] = ("Content Planner", 0) };

    /// <summary>The sheet's cells, row by row, as a person would see them.</summary>
    public List<List<string>> Grid { get; } = [];

    /// <summary>Successful <c>values.batchUpdate</c> and <c>values.append</c> calls.</summary>
    public int Writes => Server.LogEntries.Count(e => (e.RequestMessage!.Path.EndsWith("/values:batchUpdate") || e.RequestMessage.Path.EndsWith(":append"))
        && e.ResponseMessage!.StatusCode is 200);

    /// <summary>Every write request, <c>spreadsheets.batchUpdate</c> (the frozen header) included.</summary>
    public int AllWrites => Server.LogEntries.Count(e => e.RequestMessage!.Method == "POST" && e.RequestMessage.Path.StartsWith("/v4/"));

    public int TokenRequests => Server.LogEntries.Count(e => e.RequestMessage!.Path == "/token");

    public string? TokenRequestBody => Server.LogEntries.FirstOrDefault(e => e.RequestMessage!.Path == "/token")?.RequestMessage!.Body;

    private IResponseMessage BatchGet(IRequestMessage request)
    {
        lock (_lock)
        {
            var ranges = request.Query!["ranges"].Select(Range).ToList();
            var answer = new JsonArray(ranges.Select(r => (JsonNode)new JsonObject
            {
                ["range"] = r.Text,
                ["majorDimension"] = "ROWS",
                ["values"] = new JsonArray(Read(r).Select(row => (JsonNode)new JsonArray(row.Select(c => (JsonNode)c!).ToArray())).ToArray()),
            }).ToArray());
            return JsonAnswer.With(200, new JsonObject { ["spreadsheetId"] = SpreadsheetId, ["valueRanges"] = answer });
        }
    }

    private IResponseMessage BatchUpdate(IRequestMessage request)
    {
        lock (_lock)
        {
            var body = JsonNode.Parse(request.Body!)!;
            foreach (var data in body["data"]!.AsArray())
            {
                var range = Range(data!["range"]!.GetValue<string>());
                var rows = data["values"]!.AsArray();
                for (var r = 0; r < rows.Count; r++)
                {
                    var cells = rows[r]!.AsArray();
                    for (var c = 0; c < cells.Count; c++) Set(range.FirstRow + r, range.FirstColumn + c, cells[c]!.GetValue<string>());
                }
            }
            return JsonAnswer.With(200, new JsonObject { ["spreadsheetId"] = SpreadsheetId, ["totalUpdatedRows"] = body["data"]!.AsArray().Count });
        }
    }

    /// <summary>
    /// <c>values.append</c> as Sheets documents it: the table is the rows of the range's columns down to the last one
    /// holding data; the new rows go below it (OVERWRITE: into the empty rows there), and the answer says where.
    /// </summary>
    private IResponseMessage Append(IRequestMessage request)
    {
        lock (_lock)
        {
            var path = Uri.UnescapeDataString(request.Path);
            var range = Range(path[(path.IndexOf("/values/", StringComparison.Ordinal) + "/values/".Length)..^":append".Length]);
            if (request.Query is null || !request.Query.ContainsKey("valueInputOption"))
                return JsonAnswer.With(400, new JsonObject { ["error"] = new JsonObject { ["code"] = 400, ["message"] = "'valueInputOption' is required but not specified", ["status"] = "INVALID_ARGUMENT" } });
            var end = Grid.FindLastIndex(row => row.Skip(range.FirstColumn).Take(range.LastColumn - range.FirstColumn + 1).Any(c => c.Length > 0));
            var first = Math.Max(end + 1, range.FirstRow);
            var rows = JsonNode.Parse(request.Body!)!["values"]!.AsArray();
            for (var r = 0; r < rows.Count; r++)
            {
                var cells = rows[r]!.AsArray();
                for (var c = 0; c < cells.Count; c++) Set(first + r, range.FirstColumn + c, cells[c]!.GetValue<string>());
            }
            var sheet = range.Text[..range.Text.IndexOf('!')];
            string Column(int index) => MarketingBot.Planner.PlannerMirror.ColumnLetter(index);
            return JsonAnswer.With(200, new JsonObject
            {
                ["spreadsheetId"] = SpreadsheetId,
                ["tableRange"] = end < 0 ? null : $"{sheet}!{Column(range.FirstColumn)}1:{Column(range.LastColumn)}{end + 1}",
                ["updates"] = new JsonObject
                {
                    ["spreadsheetId"] = SpreadsheetId,
                    ["updatedRange"] = $"{sheet}!{Column(range.FirstColumn)}{first + 1}:{Column(range.LastColumn)}{first + rows.Count}",
                    ["updatedRows"] = rows.Count,
                },
            });
        }
    }

    private IResponseMessage SpreadsheetUpdate(IRequestMessage request)
    {
        lock (_lock)
        {
            foreach (var change in JsonNode.Parse(request.Body!)!["requests"]!.AsArray())
            {
                if (change!["addSheet"] is { } add)
                    Tabs[Tabs.Count] = (add["properties"]!["title"]!.GetValue<string>(), add["properties"]!["gridProperties"]!["frozenRowCount"]!.GetValue<int>());
                if (change["updateSheetProperties"] is { } update)
                {
                    var id = update["properties"]!["sheetId"]!.GetValue<int>();
                    Tabs[id] = (Tabs[id].Title, update["properties"]!["gridProperties"]!["frozenRowCount"]!.GetValue<int>());
                }
            }
            return JsonAnswer.With(200, new JsonObject { ["spreadsheetId"] = SpreadsheetId, ["replies"] = new JsonArray() });
        }
    }

    public void Set(int row, int column, string value)
    {
        while (Grid.Count <= row) Grid.Add([]);
        while (Grid[row].Count <= column) Grid[row].Add("");
        Grid[row][column] = value;
    }

    private IEnumerable<IEnumerable<string>> Read(A1 range)
    {
        var lastRow = Math.Min(range.LastRow ?? Grid.Count - 1, Grid.Count - 1);
        var rows = new List<IEnumerable<string>>();
        for (var r = range.FirstRow; r <= lastRow; r++)
        {
            var row = Grid[r].Skip(range.FirstColumn).Take(range.LastColumn - range.FirstColumn + 1).ToList();
            while (row.Count > 0 && row[^1].Length == 0) row.RemoveAt(row.Count - 1);
            rows.Add(row);
        }
        while (rows.Count > 0 && !rows[^1].Any()) rows.RemoveAt(rows.Count - 1);
        return rows;
    }

    private sealed record A1(string Text, int FirstRow, int? LastRow, int FirstColumn, int LastColumn);

    /// <summary>'Sheet'!A1:L1, 'Sheet'!L:L or 'Sheet'!A5:L5, zero-based.</summary>
    private static A1 Range(string text)
    {
        var match = RangePattern().Match(text);
        if (!match.Success) throw new InvalidOperationException($"unexpected range {text}");
        int Column(string letters) => letters.Aggregate(0, (n, ch) => (n * 26) + (ch - 'A' + 1)) - 1;
        int? Row(string digits) => digits.Length == 0 ? null : int.Parse(digits) - 1;
        return new A1(text, Row(match.Groups[2].Value) ?? 0, Row(match.Groups[4].Value), Column(match.Groups[1].Value), Column(match.Groups[3].Value));
    }

    [GeneratedRegex(@"^'.*'!([A-Z]+)(\d*):([A-Z]+)(\d*)$")]
    private static partial Regex RangePattern();

    public void Dispose()
    {
        // The planner's database is disposed asynchronously only.
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Server.Stop();
        Server.Dispose();
        Key.Dispose();
        _folder.Dispose();
    }
}
