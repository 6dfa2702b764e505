// MarketingBot's intake benchmark: signed `issues` deliveries of about 13 KB (as GitHub sends them
// to an App) against MarketingBot, a Probot app and a bare Kestrel endpoint that only checks the
// signature — each in a fresh process pinned to its own core, the load generator on the other,
// every contender warmed up first, runs alternating, medians reported. Then MarketingBot alone at
// a steady 500 deliveries/s for its p99 (and the bare endpoint at that rate), and its peak resident memory.
//
//   dotnet run -c Release --project bench/IntakeBench -- [--warmup 30] [--measure 15] [--runs 3] [--out bench/results/intake.md]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

var options = Options.Parse(args);
var root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));
const string Secret = "benchmark-secret";
// Deliveries about 1,000 different issues, as a busy organisation sends them (one issue's deliveries are processed in order).
var deliveries = Enumerable.Range(1, 1000).Select(number =>
{
    var body = Payload(number);
    return new Signed(body, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body)));
}).ToArray();

Contender[] contenders =
[
    // Its database, WAL and journal go in a folder of their own, deleted when the run ends: a flat-out run leaves
    // gigabytes behind.
    new("MarketingBot", port =>
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"marketingbot-bench-{port}");
        return Server.Start("dotnet", [Path.Combine(root, "src/MarketingBot/bin/Release/net10.0/MarketingBot.dll"), "--urls", $"http://127.0.0.1:{port}"], root, new()
        {
            ["GitHub__WebhookSecret"] = Secret,
            ["Storage__ConnectionString"] = $"Data Source={Path.Combine(scratch, "bot.db")}",
            ["Logging__LogLevel__Default"] = "Warning",
        }, scratch);
    }),
    new("Probot", port => Server.Start("node", [Path.Combine(root, "bench/probot/app.js")], Path.Combine(root, "bench/probot"), new()
    {
        ["WEBHOOK_SECRET"] = Secret, ["PORT"] = port.ToString(), ["NODE_ENV"] = "production",
    })),
    new("Bare Kestrel", port => Server.Start("dotnet", [Path.Combine(root, "bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll"), "--urls", $"http://127.0.0.1:{port}"], root, new()
    {
        ["WEBHOOK_SECRET"] = Secret,
    })),
];

// --only NAME measures one contender (a quick look while tuning; the report then has no ratios).
var measured = contenders.Where(c => options.Only is null || c.Name.Equals(options.Only, StringComparison.OrdinalIgnoreCase)).ToArray();
var results = measured.ToDictionary(c => c.Name, _ => new List<LoadResult>());
long botPeakRss = 0;
for (var run = 1; run <= options.Runs; run++)
{
    // Alternate the order so no contender always runs on a warmer (or hotter) machine.
    foreach (var contender in run % 2 == 1 ? measured : measured.Reverse())
    {
        var port = FreePort();
        using var server = contender.Start(port);
        var url = new Uri($"http://127.0.0.1:{port}/api/github/webhooks");
        await Server.WaitUntilListeningAsync(port);
        Console.Error.WriteLine($"run {run}: {contender.Name} warming up {options.Warmup.TotalSeconds:0} s");
        await Load.ClosedAsync(url, deliveries, options.Connections, options.Warmup);
        var result = await Load.ClosedAsync(url, deliveries, options.Connections, options.Measure);
        results[contender.Name].Add(result);
        if (contender == contenders[0]) botPeakRss = Math.Max(botPeakRss, server.PeakResidentBytes());
        Console.Error.WriteLine($"run {run}: {contender.Name} {result.PerSecond:0}/s, p50 {result.P50:0.00} ms, p99 {result.P99:0.00} ms, {result.Failed} failed");
    }
}

// MarketingBot at the design's steady rate, for the answer time a GitHub App would see; then the bare endpoint
// at the same rate, which shows how much of that time is the load generator's and the machine's.
async Task<(LoadResult Result, long PeakRss)> SteadyAsync(Contender contender)
{
    var port = FreePort();
    using var server = contender.Start(port);
    var url = new Uri($"http://127.0.0.1:{port}/api/github/webhooks");
    await Server.WaitUntilListeningAsync(port);
    // Warmed up at the same rate: flat out would leave a backlog whose processing the steady run then competes with.
    await Load.OpenAsync(url, deliveries, rate: 500, options.Warmup);
    var result = await Load.OpenAsync(url, deliveries, rate: 500, options.Measure);
    return (result, server.PeakResidentBytes());
}
var (steady, steadyRss) = await SteadyAsync(contenders[0]);
var peakRss = Math.Max(botPeakRss, steadyRss);
LoadResult? bareSteady = options.Only is null ? (await SteadyAsync(contenders[2])).Result : null;

var report = Report.Render(results, steady, bareSteady, peakRss, deliveries[0].Body.Length, options);
Console.WriteLine(report);
Directory.CreateDirectory(Path.GetDirectoryName(options.Out)!);
await File.WriteAllTextAsync(options.Out, report);
Console.Error.WriteLine($"written to {options.Out}");
return 0;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>An `issues.opened` delivery shaped as GitHub sends it to an App (installation included), padded to about 13 KB.</summary>
static byte[] Payload(int number)
{
    JsonObject User(string login) => new() { ["login"] = login, ["id"] = 1, ["node_id"] = "U_" + login, ["type"] = "User", ["site_admin"] = false };
    var payload = new JsonObject
    {
        ["action"] = "opened",
        ["issue"] = new JsonObject
        {
            ["url"] = $"https://api.github.com/repos/acme/customer/issues/{number}", ["html_url"] = $"https://github.com/acme/customer/issues/{number}",
            ["id"] = 1000 + number, ["node_id"] = $"I_{number}", ["number"] = number, ["title"] = "[Social post] Release 2.5", ["user"] = User("requester"),
            ["labels"] = new JsonArray(), ["state"] = "open", ["locked"] = false, ["assignees"] = new JsonArray(), ["comments"] = 0,
            ["created_at"] = "2026-11-02T10:00:00Z", ["updated_at"] = "2026-11-02T10:00:00Z", ["author_association"] = "MEMBER",
            ["body"] = "### What should we share?\n\nFlowFuse 2.5 is out. " + new string('x', 11_000),
        },
        ["repository"] = new JsonObject
        {
            ["id"] = 7, ["node_id"] = "R_7", ["name"] = "customer", ["full_name"] = "acme/customer", ["private"] = false, ["owner"] = User("acme"),
            ["html_url"] = "https://github.com/acme/customer", ["default_branch"] = "main",
        },
        ["organization"] = new JsonObject { ["login"] = "acme", ["id"] = 9 },
        ["sender"] = User("requester"),
        ["installation"] = new JsonObject { ["id"] = 42, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI=" },
    };
    return Encoding.UTF8.GetBytes(payload.ToJsonString());
}

sealed record Options(TimeSpan Warmup, TimeSpan Measure, int Runs, int Connections, string Out, string? Only)
{
    public static Options Parse(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        return new Options(TimeSpan.FromSeconds(double.Parse(Arg("--warmup", "30"))), TimeSpan.FromSeconds(double.Parse(Arg("--measure", "15"))),
            int.Parse(Arg("--runs", "3")), int.Parse(Arg("--connections", "32")),
            Path.GetFullPath(Arg("--out", Path.Combine("bench", "results", "intake.md"))), args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault());
    }
}

sealed record Contender(string Name, Func<int, Server> Start);

sealed record Signed(byte[] Body, string Signature);

sealed record LoadResult(double PerSecond, double P50, double P99, long Failed);

/// <summary>A contender's process on core 1 (the load generator keeps core 0), stopped by its id.</summary>
sealed class Server(Process process, string? scratch) : IDisposable
{
    public static Server Start(string program, string[] arguments, string directory, Dictionary<string, string> environment, string? scratch = null)
    {
        var start = new ProcessStartInfo("taskset", ["-c", "1", program, .. arguments])
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine($"  [{program}] {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Server(process, scratch);
    }

    public static async Task WaitUntilListeningAsync(int port)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"nothing listened on {port}");
    }

    /// <summary>VmHWM: the most memory the process held resident at once.</summary>
    public long PeakResidentBytes() =>
        File.ReadLines($"/proc/{process.Id}/status").Where(l => l.StartsWith("VmHWM:")).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        if (scratch is not null && Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }
}

static class Load
{
    private static HttpClient Client(int connections) => new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false });

    private static HttpRequestMessage Request(Uri url, Signed delivery)
    {
        var (body, signature) = (delivery.Body, delivery.Signature);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", "issues");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>As fast as the server answers: <paramref name="connections"/> senders, each sending its next delivery when the last is answered.</summary>
    public static async Task<LoadResult> ClosedAsync(Uri url, Signed[] deliveries, int connections, TimeSpan duration)
    {
        using var client = Client(connections);
        var latencies = new List<double>[connections];
        long failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(100_000);
            for (var next = worker; clock.Elapsed < duration; next += connections)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(Request(url, deliveries[next % deliveries.Length]));
                mine.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.Accepted && response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref failed);
            }
        }));
        return Summarise(latencies.SelectMany(l => l).ToList(), clock.Elapsed, failed);
    }

    /// <summary>A steady <paramref name="rate"/> per second, each delivery sent at its own time whether or not earlier ones were answered.</summary>
    public static async Task<LoadResult> OpenAsync(Uri url, Signed[] deliveries, int rate, TimeSpan duration)
    {
        using var client = Client(512);
        var total = (int)(rate * duration.TotalSeconds);
        var latencies = new double[total];
        long failed = 0;
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var index = i;
            sends.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(Request(url, deliveries[index % deliveries.Length]));
                latencies[index] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref failed);
            }));
        }
        await Task.WhenAll(sends);
        return Summarise(latencies, clock.Elapsed, failed);
    }

    private static LoadResult Summarise(IReadOnlyList<double> latencies, TimeSpan elapsed, long failed)
    {
        var sorted = latencies.Order().ToArray();
        double At(double share) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(share * sorted.Length) - 1)];
        return new LoadResult(sorted.Length / elapsed.TotalSeconds, At(0.5), At(0.99), failed);
    }
}

static class Report
{
    public static string Render(Dictionary<string, List<LoadResult>> results, LoadResult steady, LoadResult? bareSteady, long peakRss, int bodyBytes, Options options)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        // --runs 0 measures only the steady rate.
        results = results.Where(r => r.Value.Count > 0).ToDictionary();
        var text = new StringBuilder();
        text.AppendLine($"# Intake benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine()
            .AppendLine($"{File.ReadAllText("/sys/devices/system/cpu/online").Trim()} online cores; server pinned to core 1, load generator to core 0. Signed `issues` deliveries of {bodyBytes / 1024.0:0.0} KB, "
                + $"{options.Connections} connections, {options.Warmup.TotalSeconds:0} s warm-up and {options.Measure.TotalSeconds:0} s measured per run, "
                + $"{options.Runs} alternating runs, fresh process per run; medians of the runs.").AppendLine()
            .AppendLine("| Contender | Deliveries/s | p50 ms | p99 ms | Runs (deliveries/s) |").AppendLine("|---|---|---|---|---|");
        foreach (var (name, runs) in results)
            text.AppendLine($"| {name} | {Median(runs.Select(r => r.PerSecond)):0} | {Median(runs.Select(r => r.P50)):0.00} | {Median(runs.Select(r => r.P99)):0.00} | {string.Join(", ", runs.Select(r => r.PerSecond.ToString("0")))} |");
        text.AppendLine();
        if (results.TryGetValue("MarketingBot", out var ours) && results.TryGetValue("Probot", out var probot) && results.TryGetValue("Bare Kestrel", out var bare))
        {
            var bot = Median(ours.Select(r => r.PerSecond));
            text.AppendLine($"- MarketingBot / Probot: **{bot / Median(probot.Select(r => r.PerSecond)):0.00}×** (target ≥ 2×)")
                .AppendLine($"- MarketingBot / bare Kestrel: **{bot / Median(bare.Select(r => r.PerSecond)):0.00}×** (target ≥ 0.5×)");
        }
        text.AppendLine($"- MarketingBot at a steady 500 deliveries/s: p50 {steady.P50:0.00} ms, **p99 {steady.P99:0.00} ms** (target < 10 ms), {steady.Failed} failed");
        if (bareSteady is { } floor)
            text.AppendLine($"- Bare Kestrel at the same rate (the load generator's and the machine's share): p50 {floor.P50:0.00} ms, p99 {floor.P99:0.00} ms");
        text
            .AppendLine($"- MarketingBot's peak resident memory, flat out and steady: **{peakRss / (1024.0 * 1024):0} MB** (target < 200 MB)")
            .AppendLine($"- Failed or refused deliveries in all runs: {results.Values.SelectMany(r => r).Sum(r => r.Failed)}");
        return text.ToString();
    }
}
