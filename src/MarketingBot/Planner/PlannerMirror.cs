using System.Collections.Concurrent;
using MarketingBot.Health;
using MarketingBot.Requests;
using Microsoft.Extensions.Options;

namespace MarketingBot.Planner;

/// <summary>What the mirror last did, for readiness and the dashboard.</summary>
public sealed record PlannerState(bool Configured, DateTimeOffset? LastWrite, string? LastError, long Writes, int Waiting);

/// <summary>
/// Keeps the Content Planner in step. Rows wait here briefly so that a burst of changes to one
/// request makes one write and changes to many requests share one <c>values.batchUpdate</c>.
/// Rows are found by their URL cell, read again before every write (people sort and move rows),
/// and written in place or added below the last row — never appended blindly, since
/// <c>values.append</c> is not idempotent. Only the bot's columns are written; the rest of the
/// sheet (people's notes) is never touched.
/// </summary>
public sealed partial class PlannerMirror(
    IServiceProvider services,
    IOptions<PlannerSettings> settings,
    TimeProvider time,
    BackgroundLoops loops) : BackgroundService
{
    private static readonly TimeSpan MinWriteInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, PlannerRow> _waiting = new();
    private readonly Dictionary<string, IReadOnlyList<string>> _written = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<string> _columns = WorkflowFile.Default.Planner.Columns;
    private DateTimeOffset? _lastWrite;
    private string? _lastError;
    private long _writes;
    private bool _tabReady;

    public PlannerState State => new(settings.Value.IsConfigured, _lastWrite, _lastError, Interlocked.Read(ref _writes), _waiting.Count);

    /// <summary>Queues a row that drifted on the sheet: written even if the bot believes it wrote the same before.</summary>
    public void Rewrite(PlannerRow row, IReadOnlyList<string> columns)
    {
        lock (_written) _written.Remove(row.Url);
        Enqueue(row, columns);
    }

    /// <summary>The bot's columns of every row on the sheet, by URL, as people left them.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadRowsAsync(IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var sheet = settings.Value.SheetName;
        var read = await services.GetRequiredService<SheetsClient>().BatchGetAsync([$"{Quote(sheet)}!A:{ColumnLetter(columns.Count - 1)}"], cancellationToken);
        var key = IndexOf(columns, "URL");
        var rows = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var row in (read.ElementAtOrDefault(0) ?? []).Skip(1))
        {
            var cells = Enumerable.Range(0, columns.Count).Select(i => i < row.Count ? row[i] : "").ToList();
            if (cells[key].Length > 0) rows.TryAdd(cells[key], cells);
        }
        return rows;
    }

    /// <summary>Queues a row; a later row for the same request replaces it before it is written.</summary>
    public void Enqueue(PlannerRow row, IReadOnlyList<string> columns)
    {
        _columns = columns;
        _waiting[row.Url] = row;
        Interlocked.Exchange(ref _signal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private const string Component = "planner-flush";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => loops.SuperviseAsync(Component, FlushLoopAsync, stoppingToken);

    private async Task FlushLoopAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_waiting.IsEmpty) await Volatile.Read(ref _signal).Task.WaitAsync(stoppingToken);
                await Task.Delay(Max(settings.Value.CoalesceWindow, MinWriteInterval) + backoff, time, stoppingToken);
                backoff = await FlushAsync(stoppingToken) ? TimeSpan.Zero : Next(backoff);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Writes everything waiting in one batch; returns false (rows kept for the next try) when Sheets failed.</summary>
    internal async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        var rows = _waiting.Keys.Select(url => _waiting.TryRemove(url, out var row) ? row : null).OfType<PlannerRow>().ToList();
        if (rows.Count == 0) return true;
        var columns = _columns;
        try
        {
            await WriteAsync(rows, columns, cancellationToken);
            _lastWrite = time.GetUtcNow();
            _lastError = null;
            loops.Succeeded(Component);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A newer row queued meanwhile wins; otherwise the failed one waits for the next try.
            foreach (var row in rows) _waiting.TryAdd(row.Url, row);
            _lastError = ex.Message;
            loops.Failed(Component, new PlannerWriteException(rows.Count, ex));
            return false;
        }
    }

    private async Task WriteAsync(IReadOnlyList<PlannerRow> rows, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var sheets = services.GetRequiredService<SheetsClient>();
        var sheet = settings.Value.SheetName;
        if (!_tabReady)
        {
            await sheets.EnsureTabAsync(sheet, cancellationToken);
            _tabReady = true;
        }
        var last = ColumnLetter(columns.Count - 1);
        var key = ColumnLetter(IndexOf(columns, "URL"));
        var read = await sheets.BatchGetAsync([$"{Quote(sheet)}!A1:{last}1", $"{Quote(sheet)}!{key}:{key}"], cancellationToken);
        var (header, urls) = (read.ElementAtOrDefault(0) ?? [], read.ElementAtOrDefault(1) ?? []);

        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 1; i < urls.Count; i++)
            if (urls[i].Count > 0 && urls[i][0].Length > 0) rowOf.TryAdd(urls[i][0], i + 1);
        var next = Math.Max(urls.Count, 1) + 1;

        var writes = new List<(string Range, IReadOnlyList<string> Row)>();
        if (header.Count == 0 || !header[0].SequenceEqual(columns)) writes.Add(($"{Quote(sheet)}!A1:{last}1", columns));
        foreach (var row in rows)
        {
            var cells = row.Cells(columns);
            var found = rowOf.TryGetValue(row.Url, out var index);
            if (!found) index = next++;
            // Unchanged since our last write and still where it was: nothing to send.
            lock (_written)
            {
                if (found && _written.TryGetValue(row.Url, out var before) && before.SequenceEqual(cells)) continue;
            }
            writes.Add(($"{Quote(sheet)}!A{index}:{last}{index}", cells));
        }
        if (writes.Count == 0) return;
        await sheets.BatchUpdateAsync(writes, cancellationToken);
        Interlocked.Increment(ref _writes);
        lock (_written)
        {
            foreach (var row in rows) _written[row.Url] = row.Cells(columns);
        }
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++) if (columns[i] == name) return i;
        throw new InvalidOperationException($"The planner columns have no {name} column.");
    }

    /// <summary>A1 notation: 0 → A, 25 → Z, 26 → AA.</summary>
    public static string ColumnLetter(int index)
    {
        var letters = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26) letters = (char)('A' + (n - 1) % 26) + letters;
        return letters;
    }

    private static string Quote(string sheet) => $"'{sheet.Replace("'", "''")}'";

    private static TimeSpan Next(TimeSpan backoff) => backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(2) : Min(backoff * 2, MaxBackoff);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

/// <summary>Rows that could not be written to the Content Planner; they are kept and tried again.</summary>
public sealed class PlannerWriteException(int rows, Exception cause)
    : Exception($"could not write {rows} rows to the Content Planner (kept for the next try): {BackgroundLoops.Describe(cause)}", cause);
