using MarketingBot.Health;
using MarketingBot.Requests;
using Microsoft.Extensions.Options;

namespace MarketingBot.Planner;

/// <summary>What the mirror last did, for readiness and the dashboard.</summary>
public sealed record PlannerState(bool Configured, DateTimeOffset? LastWrite, string? LastError, long Writes, int Waiting);

/// <summary>
/// Keeps the Content Planner in step. Rows wait briefly, in the <see cref="PlannerQueue"/> (so a crash loses none),
/// so that a burst of changes to one request makes one write and changes to many requests share one <c>values.batchUpdate</c>.
/// Rows are found by their URL cell, read again before every write that changes a row (people sort and move rows),
/// and written in place or added below the last row. The one write that needs no read is a request just opened:
/// its URL is new, so once the bot has read the sheet's URLs and header it appends the row with <c>values.append</c>,
/// which cannot land on a row holding data. Any failure forgets what the bot knew of the sheet, so the next write
/// reads first. Only the bot's columns are written; the rest of the sheet (people's notes) is never touched.
/// </summary>
public sealed partial class PlannerMirror(
    IServiceProvider services,
    IOptions<PlannerSettings> settings,
    PlannerQueue queue,
    TimeProvider time,
    BackgroundLoops loops) : BackgroundService
{
    private static readonly TimeSpan MinWriteInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, IReadOnlyList<string>> _written = [];

    /// <summary>Where each request's row was at the last read or write, and the header then seen; null until the sheet is read.</summary>
    private (Dictionary<string, int> RowOf, IReadOnlyList<string> Header)? _sheet;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _waiting;
    private DateTimeOffset? _lastWrite;
    private string? _lastError;
    private long _writes;
    private bool _tabReady;

    public PlannerState State => new(settings.Value.IsConfigured, _lastWrite, _lastError, Interlocked.Read(ref _writes), (int)Interlocked.Read(ref _waiting));

    /// <summary>Queues a row that drifted on the sheet: written even if the bot believes it wrote the same before.</summary>
    public Task RewriteAsync(PlannerRow row, IReadOnlyList<string> columns) => QueueAsync(row, columns, rewrite: true, firstWrite: false);

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

    /// <summary>Queues a row, durably; a later row for the same request replaces it before it is written.</summary>
    /// <param name="firstWrite">The request was just opened: its row is appended without reading the sheet, once the bot knows the sheet.</param>
    public Task EnqueueAsync(PlannerRow row, IReadOnlyList<string> columns, bool firstWrite = false) => QueueAsync(row, columns, rewrite: false, firstWrite);

    private async Task QueueAsync(PlannerRow row, IReadOnlyList<string> columns, bool rewrite, bool firstWrite)
    {
        await queue.EnqueueAsync(row, columns, rewrite, firstWrite);
        Interlocked.Increment(ref _waiting);
        Interlocked.Exchange(ref _signal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private const string Component = "planner-flush";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => loops.SuperviseAsync(Component, FlushLoopAsync, stoppingToken);

    private async Task FlushLoopAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        // Rows the last run decided but did not write (it stopped, or was killed) are written first.
        Interlocked.Exchange(ref _waiting, await queue.CountAsync());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Interlocked.Read(ref _waiting) == 0) await Volatile.Read(ref _signal).Task.WaitAsync(stoppingToken);
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
        IReadOnlyList<QueuedRow> queued = [];
        try
        {
            queued = await queue.ReadAsync();
            if (queued.Count > 0)
            {
                lock (_written)
                {
                    foreach (var drifted in queued.Where(q => q.Rewrite)) _written.Remove(drifted.Row.Url);
                }
                await WriteAsync(queued, queued[^1].Columns, cancellationToken);
                // Removed only now that the sheet has them; a row queued again meanwhile stays for the next write.
                await queue.RemoveWrittenAsync(queued);
                _lastWrite = time.GetUtcNow();
            }
            _lastError = null;
            loops.Succeeded(Component);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The rows stay in the queue for the next try, which reads the sheet first.
            lock (_written) _sheet = null;
            _lastError = ex.Message;
            loops.Failed(Component, new PlannerWriteException(queued.Count, ex));
            return false;
        }
        finally
        {
            Interlocked.Exchange(ref _waiting, await CountOrKeepAsync());
        }
    }

    /// <summary>Rows still waiting; when the database cannot say, the last count stands.</summary>
    private async Task<long> CountOrKeepAsync()
    {
        try
        {
            return await queue.CountAsync();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return Interlocked.Read(ref _waiting);
        }
    }

    private async Task WriteAsync(IReadOnlyList<QueuedRow> queued, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        var sheets = services.GetRequiredService<SheetsClient>();
        var sheet = settings.Value.SheetName;
        if (!_tabReady)
        {
            await sheets.EnsureTabAsync(sheet, cancellationToken);
            _tabReady = true;
        }
        var rows = queued.Select(q => q.Row).ToList();
        var last = ColumnLetter(columns.Count - 1);
        if (AllNew(queued, columns))
        {
            var first = await sheets.AppendAsync($"{Quote(sheet)}!A1:{last}", [.. rows.Select(r => r.Cells(columns))], cancellationToken);
            Interlocked.Increment(ref _writes);
            Remember(rows, columns, rows.Select((row, i) => (row.Url, first + i)));
            return;
        }
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
            if (!found) rowOf[row.Url] = index = next++;
            // Unchanged since our last write and still where it was: nothing to send.
            lock (_written)
            {
                if (found && _written.TryGetValue(row.Url, out var before) && before.SequenceEqual(cells)) continue;
            }
            writes.Add(($"{Quote(sheet)}!A{index}:{last}{index}", cells));
        }
        if (writes.Count > 0)
        {
            await sheets.BatchUpdateAsync(writes, cancellationToken);
            Interlocked.Increment(ref _writes);
        }
        Remember(rows, columns, rowOf.Select(r => (r.Key, r.Value)), replace: true);
    }

    /// <summary>Every row is a first write the bot can append unread: it knows the sheet's header and none of these URLs is on it.</summary>
    private bool AllNew(IReadOnlyList<QueuedRow> queued, IReadOnlyList<string> columns)
    {
        lock (_written)
            return _sheet is { } known && known.Header.SequenceEqual(columns) && queued.All(q => q.FirstWrite && !q.Rewrite && !known.RowOf.ContainsKey(q.Row.Url));
    }

    private void Remember(IReadOnlyList<PlannerRow> rows, IReadOnlyList<string> columns, IEnumerable<(string Url, int Row)> places, bool replace = false)
    {
        lock (_written)
        {
            foreach (var row in rows) _written[row.Url] = row.Cells(columns);
            var rowOf = replace || _sheet is null ? new Dictionary<string, int>(StringComparer.Ordinal) : _sheet.Value.RowOf;
            foreach (var (url, row) in places) rowOf[url] = row;
            _sheet = (rowOf, columns);
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
