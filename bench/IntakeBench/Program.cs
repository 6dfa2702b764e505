// MarketingBot's intake benchmark: signed deliveries that look like GitHub's (Deliveries.cs: real payload shapes and
// prose, 2–60 KB, events mixed, hot issues) against MarketingBot, a Probot app at `warn` and at its default level,
// and a bare Kestrel endpoint that only checks the signature — each in a fresh process pinned to its own core, the
// load generator (wrk) on the other, every contender warmed up first, runs alternating, medians reported. Then
// MarketingBot at 500 deliveries/s while it drains a backlog of 100,000 deliveries (dry run: processed, nothing
// sent), for the answer times a real bot sees after a burst, and how fast the backlog drains; its peak memory.
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
var deliveries = Deliveries.Build(root, Secret, 5_000);
Console.Error.WriteLine($"deliveries: {Deliveries.Sizes(deliveries)}; gzip {Deliveries.CompressionRatio(deliveries):0.0}:1");

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
    new("Probot (warn)", port => Server.Start("node", [Path.Combine(root, "bench/probot/app.js")], Path.Combine(root, "bench/probot"), new()
    {
        ["WEBHOOK_SECRET"] = Secret, ["PORT"] = port.ToString(), ["NODE_ENV"] = "production", ["LOG_LEVEL"] = "warn",
    })),
    new("Probot (info, its default)", port => Server.Start("node", [Path.Combine(root, "bench/probot/app.js")], Path.Combine(root, "bench/probot"), new()
    {
        ["WEBHOOK_SECRET"] = Secret, ["PORT"] = port.ToString(), ["NODE_ENV"] = "production", ["LOG_LEVEL"] = "info",
    })),
    new("Bare Kestrel", port => Server.Start("dotnet", [Path.Combine(root, "bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll"), "--urls", $"http://127.0.0.1:{port}"], root, new()
    {
        ["WEBHOOK_SECRET"] = Secret,
    })),
];

// The flat-out runs use wrk (C, one thread on core 0), which sends faster than an HttpClient on the same core: at the
// bare endpoint's rate an HttpClient generator kept core 0 82% busy and measured it 10% slower.
var deliveryFile = Wrk.WriteDeliveries(deliveries);
var serial = 1;

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
        await Wrk.RunAsync(url, deliveryFile, options.Connections, options.Warmup, serial++);
        var result = await Wrk.RunAsync(url, deliveryFile, options.Connections, options.Measure, serial++);
        results[contender.Name].Add(result);
        if (contender == contenders[0]) botPeakRss = Math.Max(botPeakRss, server.PeakResidentBytes());
        Console.Error.WriteLine($"run {run}: {contender.Name} {result.PerSecond:0}/s, p50 {result.P50:0.00} ms, p99 {result.P99:0.00} ms, {result.Failed} failed");
    }
}

// The bare endpoint at 500/s: how much of an answer's time is the load generator's and the machine's.
async Task<LoadResult> BareSteadyAsync()
{
    var port = FreePort();
    using var server = contenders[^1].Start(port);
    var url = new Uri($"http://127.0.0.1:{port}/api/github/webhooks");
    await Server.WaitUntilListeningAsync(port);
    await Load.OpenAsync(url, deliveries, rate: 500, options.Warmup);
    return await Load.OpenAsync(url, deliveries, rate: 500, options.Measure);
}

// MarketingBot at 500/s while it works through a backlog of 100,000 deliveries, as after a burst or an outage.
async Task<(Backlog Backlog, long PeakRss)> BacklogAsync()
{
    var port = FreePort();
    var scratch = Path.Combine(Path.GetTempPath(), $"marketingbot-bench-{port}");
    using var server = Server.Start("dotnet", [Path.Combine(root, "src/MarketingBot/bin/Release/net10.0/MarketingBot.dll"), "--urls", $"http://127.0.0.1:{port}"], root, new()
    {
        ["GitHub__WebhookSecret"] = Secret,
        ["Storage__ConnectionString"] = $"Data Source={Path.Combine(scratch, "bot.db")}",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Bot__DryRun"] = "true",
        ["Schedules__Enabled"] = "false",
        ["Bot__RecoverMissedDeliveries"] = "false",
    }, scratch);
    var url = new Uri($"http://127.0.0.1:{port}/api/github/webhooks");
    await Server.WaitUntilListeningAsync(port);
    var flood = await Load.ClosedCountAsync(url, deliveries, options.Connections, options.Backlog);
    var before = await Waiting(port);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    var steady = await Load.OpenAsync(url, deliveries, rate: 500, options.Measure);
    var after = await Waiting(port);
    var drained = (before - after + steady.Count) / clock.Elapsed.TotalSeconds;
    return (new Backlog(flood, before, after, steady, drained), server.PeakResidentBytes());
}

// The deliveries waiting, as /readyz reports them.
static async Task<long> Waiting(int port)
{
    using var client = new HttpClient();
    var readiness = await client.GetStringAsync($"http://127.0.0.1:{port}/readyz");
    var match = System.Text.RegularExpressions.Regex.Match(readiness, @"(\d+) deliveries waiting");
    return match.Success ? long.Parse(match.Groups[1].Value) : throw new InvalidOperationException($"no backlog in /readyz: {readiness}");
}

var (backlog, backlogRss) = await BacklogAsync();
var peakRss = Math.Max(botPeakRss, backlogRss);
LoadResult? bareSteady = options.Only is null ? await BareSteadyAsync() : null;

var report = Report.Render(results, backlog, bareSteady, peakRss, $"{Deliveries.Sizes(deliveries)}; the set compresses {Deliveries.CompressionRatio(deliveries):0.0}:1 with gzip", options);
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

sealed record Options(TimeSpan Warmup, TimeSpan Measure, int Runs, int Connections, string Out, string? Only, int Backlog)
{
    public static Options Parse(string[] args)
    {
        string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        return new Options(TimeSpan.FromSeconds(double.Parse(Arg("--warmup", "30"))), TimeSpan.FromSeconds(double.Parse(Arg("--measure", "15"))),
            int.Parse(Arg("--runs", "3")), int.Parse(Arg("--connections", "32")),
            Path.GetFullPath(Arg("--out", Path.Combine("bench", "results", "intake.md"))), args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault(),
            int.Parse(Arg("--backlog", "100000")));
    }
}

sealed record Contender(string Name, Func<int, Server> Start);

sealed record LoadResult(double PerSecond, double P50, double P99, double Max, long Failed, long Count);

/// <summary>The backlog run: the flood that built it, the backlog before and after, the answers at 500/s meanwhile, and the drain rate.</summary>
sealed record Backlog(LoadResult Flood, long Before, long After, LoadResult Steady, double DrainedPerSecond);

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

/// <summary>wrk as the flat-out load generator: the deliveries in a file its script reads, the report parsed.</summary>
static class Wrk
{
    public static string WriteDeliveries(Signed[] deliveries)
    {
        var path = Path.Combine(Path.GetTempPath(), $"intake-bench-{Environment.ProcessId}.deliveries");
        using var file = File.Create(path);
        foreach (var delivery in deliveries)
        {
            file.Write(Encoding.ASCII.GetBytes($"{delivery.Event} {delivery.Signature} {delivery.Body.Length}\n"));
            file.Write(delivery.Body);
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }

    public static async Task<LoadResult> RunAsync(Uri url, string deliveries, int connections, TimeSpan duration, int serial)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "deliveries.lua");
        var start = new ProcessStartInfo("taskset", ["-c", "0", "wrk", "-t1", $"-c{connections}", $"-d{duration.TotalSeconds:0}s", "--latency",
            "-s", script, url.ToString(), "--", deliveries, serial.ToString()]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("could not start wrk (apt-get install wrk)");
        var report = await wrk.StandardOutput.ReadToEndAsync();
        var errors = await wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        if (wrk.ExitCode != 0) throw new InvalidOperationException($"wrk failed: {errors}{report}");
        double Milliseconds(string pattern)
        {
            var match = System.Text.RegularExpressions.Regex.Match(report, pattern);
            if (!match.Success) throw new InvalidOperationException($"no '{pattern}' in wrk's report: {report}");
            var value = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }
        double Number(string pattern) => double.Parse(System.Text.RegularExpressions.Regex.Match(report, pattern).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        long Count(string pattern) => System.Text.RegularExpressions.Regex.Match(report, pattern) is { Success: true } m ? long.Parse(m.Groups[1].Value) : 0;
        var requests = Count(@"(\d+) requests in");
        var failed = Count(@"Non-2xx or 3xx responses: (\d+)") + Count(@"timeout (\d+)");
        return new LoadResult(Number(@"Requests/sec:\s+([\d.]+)"), Milliseconds(@"50%\s+([\d.]+)(us|ms|s)"),
            Milliseconds(@"99%\s+([\d.]+)(us|ms|s)"), Milliseconds(@"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)"), failed, requests);
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
        request.Headers.Add("X-GitHub-Event", delivery.Event);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>Exactly <paramref name="total"/> deliveries, as fast as the server answers (to build a backlog).</summary>
    public static async Task<LoadResult> ClosedCountAsync(Uri url, Signed[] deliveries, int connections, int total)
    {
        using var client = Client(connections);
        var latencies = new double[total];
        long failed = 0, next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < total; i = Interlocked.Increment(ref next))
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(Request(url, deliveries[i % deliveries.Length]));
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref failed);
            }
        }));
        return Summarise(latencies, clock.Elapsed, failed);
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
        return new LoadResult(sorted.Length / elapsed.TotalSeconds, At(0.5), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1], failed, sorted.Length);
    }
}

static class Report
{
    public static string Render(Dictionary<string, List<LoadResult>> results, Backlog backlog, LoadResult? bareSteady, long peakRss, string set, Options options)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        results = results.Where(r => r.Value.Count > 0).ToDictionary();
        var text = new StringBuilder();
        text.AppendLine($"# Intake benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine()
            .AppendLine($"{File.ReadAllText("/sys/devices/system/cpu/online").Trim()} online cores; server pinned to core 1, load generator to core 0 (flat out: wrk, one thread; "
                + $"at 500/s: an HttpClient). {options.Connections} connections, {options.Warmup.TotalSeconds:0} s warm-up and {options.Measure.TotalSeconds:0} s measured per run, "
                + $"{options.Runs} alternating runs, fresh process per run; medians of the runs.").AppendLine()
            .AppendLine($"Deliveries: GitHub's payload shapes (`examples/deliveries`) with issue-form bodies and comments written from real prose, for 1,000 issues (three in ten about ten hot ones): {set}.").AppendLine()
            .AppendLine("| Contender | Deliveries/s | p50 ms | p99 ms | Runs (deliveries/s) |").AppendLine("|---|---|---|---|---|");
        foreach (var (name, runs) in results)
            text.AppendLine($"| {name} | {Median(runs.Select(r => r.PerSecond)):0} | {Median(runs.Select(r => r.P50)):0.00} | {Median(runs.Select(r => r.P99)):0.00} | {string.Join(", ", runs.Select(r => r.PerSecond.ToString("0")))} |");
        text.AppendLine();
        if (results.TryGetValue("MarketingBot", out var ours) && results.TryGetValue("Probot (warn)", out var probot) && results.TryGetValue("Bare Kestrel", out var bare))
        {
            var bot = Median(ours.Select(r => r.PerSecond));
            text.AppendLine($"- MarketingBot / Probot at `warn`: **{bot / Median(probot.Select(r => r.PerSecond)):0.00}×** (target ≥ 2×)");
            if (results.TryGetValue("Probot (info, its default)", out var noisy))
                text.AppendLine($"- MarketingBot / Probot at its default level: {bot / Median(noisy.Select(r => r.PerSecond)):0.00}×");
            text.AppendLine($"- MarketingBot / bare Kestrel: **{bot / Median(bare.Select(r => r.PerSecond)):0.00}×** (target ≥ 0.6×)");
        }
        var steady = backlog.Steady;
        text.AppendLine($"- A backlog of {backlog.Flood.Count:N0} deliveries, accepted at {backlog.Flood.PerSecond:0}/s ({backlog.Flood.Failed} refused); {backlog.Before:N0} still waiting when the 500/s run began, {backlog.After:N0} after it")
            .AppendLine($"- MarketingBot at 500 deliveries/s while the backlog drains: p50 {steady.P50:0.00} ms, **p99 {steady.P99:0.00} ms** (target < 10 ms), **max {steady.Max:0.0} ms** (target < 100 ms), {steady.Failed} failed")
            .AppendLine($"- The backlog drained at **{backlog.DrainedPerSecond:0} deliveries/s** (dry run: each decided and recorded, nothing sent)");
        if (bareSteady is { } floor)
            text.AppendLine($"- Bare Kestrel at 500/s (the load generator's and the machine's share): p50 {floor.P50:0.00} ms, p99 {floor.P99:0.00} ms, max {floor.Max:0.0} ms");
        text
            .AppendLine($"- MarketingBot's peak resident memory, flat out and draining: **{peakRss / (1024.0 * 1024):0} MB** (target < 200 MB)")
            .AppendLine($"- Failed or refused deliveries in all flat-out runs: {results.Values.SelectMany(r => r).Sum(r => r.Failed)}");
        return text.ToString();
    }
}
