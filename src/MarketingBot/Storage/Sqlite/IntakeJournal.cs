using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MarketingBot.Storage.Sqlite;

/// <summary>
/// Where SQLite intake writes an accepted delivery: appended to a file once per group of deliveries, and
/// only then acknowledged. The body is written once, as it came, and no index or page is touched on the
/// request path; <see cref="SqliteStorage"/> copies the records into the inbox tables in the background, in
/// large transactions, compressing the bodies as it goes. Files are numbered; one is deleted once every record in it is in the tables and a
/// newer file is being written.
/// </summary>
/// <remarks>
/// A record is its payload's length and CRC-32, then the payload. A record cut short by a crash fails its
/// check; it was never acknowledged, and is cut off when the journal is next opened.
/// </remarks>
internal sealed class IntakeJournal : IDisposable
{
    private const int HeaderBytes = 8;
    private const string Extension = ".log";

    /// <summary>Far above any record: GitHub caps a payload at 25 MB.</summary>
    private const int MaxRecordBytes = 64 * 1024 * 1024;

    /// <summary>A file is closed for new records once it is this long and fully indexed.</summary>
    private const long RotateAtBytes = 8 * 1024 * 1024;

    private readonly string _folder;

    /// <summary>Each record's length, checksum and fields; the bodies are written from where the intake holds them.</summary>
    private readonly MemoryStream _heads = new();
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private readonly Lock _gate = new();

    /// <summary>Held while the file is written or replaced, so no write lands in a file being closed.</summary>
    private readonly Lock _writing = new();

    /// <summary>
    /// Held while the upkeep flushes the file to disk, and while the file is replaced. Not while appending: a flush of
    /// what a burst wrote can take tens of milliseconds, and the deliveries arriving meanwhile would wait for it.
    /// </summary>
    private readonly Lock _flushing = new();
    private SafeFileHandle _file;
    private JournalPosition _end;
    private bool _unflushed;

    private IntakeJournal(string folder, JournalPosition end, SafeFileHandle file)
    {
        _folder = folder;
        _end = end;
        _file = file;
    }

    /// <summary>Where the last written record ends: what the indexer may read up to.</summary>
    public JournalPosition End
    {
        get
        {
            lock (_gate) return _end;
        }
    }

    /// <summary>
    /// Opens the journal beside the database, cutting off a torn record at the end of the newest file,
    /// and deleting files wholly before <paramref name="indexed"/>.
    /// </summary>
    public static IntakeJournal Open(string folder, JournalPosition indexed)
    {
        Directory.CreateDirectory(folder);
        foreach (var old in Numbers(folder).Where(n => n < indexed.File)) File.Delete(PathOf(folder, old));
        var newest = Numbers(folder).DefaultIfEmpty(Math.Max(1, indexed.File)).Max();
        var file = File.OpenHandle(PathOf(folder, newest), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var sound = SoundLength(PathOf(folder, newest));
        if (sound < RandomAccess.GetLength(file)) RandomAccess.SetLength(file, sound);
        if (new JournalPosition(newest, sound).CompareTo(indexed) < 0)
        {
            // The file is shorter than what was already copied from it (it was removed or replaced): new records
            // go to a fresh file, so none lands before the position the copying resumes from.
            file.Dispose();
            newest = indexed.File + 1;
            file = File.OpenHandle(PathOf(folder, newest), FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            sound = 0;
        }
        return new IntakeJournal(folder, new JournalPosition(newest, sound), file);
    }

    /// <summary>
    /// Appends the deliveries, and with <paramref name="flushToDisk"/> waits until they are on disk; on failure
    /// nothing of them stays in the file. Without it they are in the operating system's cache, which outlives
    /// the process, until <see cref="FlushToDisk"/>.
    /// </summary>
    public void Append(IReadOnlyList<IncomingDelivery> deliveries, long receivedAt, bool flushToDisk)
    {
        // One write of many pieces: each record's head, then its body straight from the intake's buffer.
        _heads.SetLength(0);
        Span<int> ends = deliveries.Count <= 1024 ? stackalloc int[deliveries.Count] : new int[deliveries.Count];
        for (var i = 0; i < deliveries.Count; i++)
        {
            EncodeHead(_heads, deliveries[i], receivedAt);
            ends[i] = (int)_heads.Length;
        }
        _segments.Clear();
        var heads = _heads.GetBuffer().AsMemory();
        long length = 0;
        for (var i = 0; i < deliveries.Count; i++)
        {
            var start = i == 0 ? 0 : ends[i - 1];
            _segments.Add(heads[start..ends[i]]);
            _segments.Add(deliveries[i].Body);
            length += ends[i] - start + deliveries[i].Body.Length;
        }
        lock (_writing)
        {
            var start = End.Offset;
            try
            {
                RandomAccess.Write(_file, _segments, start);
                if (flushToDisk) RandomAccess.FlushToDisk(_file);
            }
            catch
            {
                RandomAccess.SetLength(_file, start);
                throw;
            }
            _unflushed = !flushToDisk;
            lock (_gate) _end = _end with { Offset = start + length };
        }
        _segments.Clear();
    }

    /// <summary>Whether appended records are still only in the operating system's cache.</summary>
    public bool Unflushed
    {
        get
        {
            lock (_writing) return _unflushed;
        }
    }

    /// <summary>Flushes to disk what <see cref="Append"/> left in the operating system's cache.</summary>
    public void FlushToDisk()
    {
        lock (_flushing)
        {
            SafeFileHandle file;
            lock (_writing)
            {
                if (!_unflushed) return;
                // Records appended from here on set it again: the flush below may not cover them.
                _unflushed = false;
                file = _file;
            }
            try
            {
                RandomAccess.FlushToDisk(file);
            }
            catch
            {
                lock (_writing) _unflushed = true;
                throw;
            }
        }
    }

    /// <summary>The written records from <paramref name="at"/> on, at most <paramref name="max"/>; moves <paramref name="at"/> past them.</summary>
    public List<AcceptedDelivery> Read(ref JournalPosition at, int max)
    {
        var records = new List<AcceptedDelivery>();
        var end = End;
        while (records.Count < max && at.CompareTo(end) < 0)
        {
            using (var reader = OpenToRead(at.File))
            {
                if (reader is not null)
                {
                    var last = at.File == end.File ? end.Offset : reader.Length;
                    reader.Seek(at.Offset, SeekOrigin.Begin);
                    while (records.Count < max && reader.Position < last && Decode(reader) is { } record)
                    {
                        records.Add(record);
                        at = at with { Offset = reader.Position };
                    }
                }
            }
            if (records.Count >= max || at.File == end.File) break;
            at = new JournalPosition(at.File + 1, 0);
        }
        return records;
    }

    /// <summary>Whether copying up to <paramref name="indexed"/> lets <see cref="RotateIfIndexed"/> delete the current file.</summary>
    public bool FreesFile(JournalPosition indexed)
    {
        lock (_gate) return Frees(indexed);
    }

    private bool Frees(JournalPosition indexed) => indexed.CompareTo(_end) >= 0 && _end.Offset >= RotateAtBytes;

    /// <summary>
    /// Once everything up to the end is indexed and the file is long enough, new records go to a fresh file,
    /// and the indexed one is deleted.
    /// </summary>
    public void RotateIfIndexed(JournalPosition indexed)
    {
        string? done = null;
        lock (_flushing)
        lock (_writing)
        lock (_gate)
        {
            if (!Frees(indexed)) return;
            var next = File.OpenHandle(PathOf(_folder, _end.File + 1), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            // Every record of the old file is in the tables, committed with a full flush: nothing of it needs flushing.
            _file.Dispose();
            _file = next;
            _unflushed = false;
            done = PathOf(_folder, _end.File);
            _end = new JournalPosition(_end.File + 1, 0);
        }
        File.Delete(done);
    }

    public void Dispose()
    {
        FlushToDisk();
        _file.Dispose();
    }

    private FileStream? OpenToRead(long number)
    {
        try
        {
            return new FileStream(PathOf(_folder, number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static string PathOf(string folder, long number) => Path.Combine(folder, $"{number:D8}{Extension}");

    private static IEnumerable<long> Numbers(string folder) =>
        Directory.EnumerateFiles(folder, "*" + Extension)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), out var number) ? number : -1)
            .Where(number => number > 0);

    /// <summary>How much of the file is whole records.</summary>
    private static long SoundLength(string path)
    {
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 16);
        long sound = 0;
        while (Decode(reader) is not null) sound = reader.Position;
        return sound;
    }

    /// <summary>
    /// Writes a record's length, CRC-32 and fields, up to where its body starts. Records written before the intake
    /// stopped compressing hold an LZ4 block where the body is; <see cref="BodyCompression.Open"/> reads both.
    /// </summary>
    private static void EncodeHead(MemoryStream output, IncomingDelivery delivery, long receivedAt)
    {
        var start = output.Length;
        output.Position = start + HeaderBytes;
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(delivery.Guid);
            writer.Write(delivery.Event);
            WriteOptional(writer, delivery.Action);
            writer.Write(delivery.InstallationId.HasValue);
            writer.Write(delivery.InstallationId.GetValueOrDefault());
            WriteOptional(writer, delivery.OrderingKey);
            writer.Write(receivedAt);
            writer.Write(delivery.Body.Length);
            writer.Write(1 + delivery.Body.Length);
            writer.Write(BodyCompression.Uncompressed);
        }
        var fields = output.GetBuffer().AsSpan((int)(start + HeaderBytes), (int)(output.Length - start - HeaderBytes));
        var crc = new Crc32();
        crc.Append(fields);
        crc.Append(delivery.Body.Span);
        var header = output.GetBuffer().AsSpan((int)start, HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header, fields.Length + delivery.Body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], crc.GetCurrentHashAsUInt32());
    }

    /// <summary>The next whole record, or null at the end or at a torn or corrupt one.</summary>
    private static AcceptedDelivery? Decode(Stream input)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (input.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length <= 0 || length > MaxRecordBytes) return null;
        var payload = new byte[length];
        if (input.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length) return null;
        if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..])) return null;
        var fields = new MemoryStream(payload);
        using var reader = new BinaryReader(fields, Encoding.UTF8);
        var guid = reader.ReadString();
        var @event = reader.ReadString();
        var action = ReadOptional(reader);
        var hasInstallation = reader.ReadBoolean();
        var installation = reader.ReadInt64();
        var key = ReadOptional(reader);
        var receivedAt = reader.ReadInt64();
        var bodyLength = reader.ReadInt32();
        var stored = payload.AsMemory((int)fields.Position + sizeof(int), reader.ReadInt32());
        var body = BodyCompression.Open(stored, bodyLength);
        return new AcceptedDelivery(new IncomingDelivery(guid, @event, action, hasInstallation ? installation : null, key, body), receivedAt);
    }

    private static void WriteOptional(BinaryWriter writer, string? value)
    {
        writer.Write(value is not null);
        writer.Write(value ?? "");
    }

    private static string? ReadOptional(BinaryReader reader)
    {
        var present = reader.ReadBoolean();
        var value = reader.ReadString();
        return present ? value : null;
    }
}

/// <summary>A place in the journal: which file, and how far into it.</summary>
internal readonly record struct JournalPosition(long File, long Offset) : IComparable<JournalPosition>
{
    public int CompareTo(JournalPosition other) => File != other.File ? File.CompareTo(other.File) : Offset.CompareTo(other.Offset);
}
