using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace MarketingBot.Storage.Sqlite;

/// <summary>
/// Where SQLite intake writes an accepted delivery: appended to a file once per group of deliveries, and
/// only then acknowledged. The body is written once, compressed, and no index or page is touched on the
/// request path; <see cref="SqliteStorage"/> copies the records into the inbox tables in the background, in
/// large transactions. Files are numbered; one is deleted once every record in it is in the tables and a
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

    /// <summary>Far above any record: GitHub caps a payload at 25 MB, and it is stored compressed.</summary>
    private const int MaxRecordBytes = 64 * 1024 * 1024;

    /// <summary>A file is closed for new records once it is this long and fully indexed.</summary>
    private const long RotateAtBytes = 8 * 1024 * 1024;

    private readonly string _folder;
    private readonly MemoryStream _records = new();
    private readonly Lock _gate = new();

    /// <summary>Held while the file is written, flushed or replaced, so no write lands in a file being closed.</summary>
    private readonly Lock _writing = new();
    private FileStream _file;
    private JournalPosition _end;
    private bool _unflushed;

    private IntakeJournal(string folder, JournalPosition end, FileStream file)
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
        var file = new FileStream(PathOf(folder, newest), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        var sound = SoundLength(PathOf(folder, newest));
        if (sound < file.Length) file.SetLength(sound);
        if (new JournalPosition(newest, sound).CompareTo(indexed) < 0)
        {
            // The file is shorter than what was already copied from it (it was removed or replaced): new records
            // go to a fresh file, so none lands before the position the copying resumes from.
            file.Dispose();
            newest = indexed.File + 1;
            file = new FileStream(PathOf(folder, newest), FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            sound = 0;
        }
        file.Seek(sound, SeekOrigin.Begin);
        return new IntakeJournal(folder, new JournalPosition(newest, sound), file);
    }

    /// <summary>
    /// Appends the deliveries, and with <paramref name="flushToDisk"/> waits until they are on disk; on failure
    /// nothing of them stays in the file. Without it they are in the operating system's cache, which outlives
    /// the process, until <see cref="FlushToDisk"/>.
    /// </summary>
    public void Append(IReadOnlyList<IncomingDelivery> deliveries, long receivedAt, bool flushToDisk)
    {
        _records.SetLength(0);
        foreach (var delivery in deliveries) Encode(_records, delivery, receivedAt);
        long end;
        lock (_writing)
        {
            var start = _file.Position;
            try
            {
                _file.Write(_records.GetBuffer(), 0, (int)_records.Length);
                if (flushToDisk) _file.Flush(flushToDisk: true);
            }
            catch
            {
                _file.SetLength(start);
                _file.Seek(start, SeekOrigin.Begin);
                throw;
            }
            _unflushed = !flushToDisk;
            end = _file.Position;
        }
        lock (_gate) _end = _end with { Offset = end };
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
        lock (_writing)
        {
            if (!_unflushed) return;
            _file.Flush(flushToDisk: true);
            _unflushed = false;
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
        lock (_writing)
        lock (_gate)
        {
            if (!Frees(indexed)) return;
            var next = new FileStream(PathOf(_folder, _end.File + 1), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
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

    private static void Encode(MemoryStream output, IncomingDelivery delivery, long receivedAt)
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
            writer.Write(delivery.BodyLength);
            writer.Write(delivery.CompressedBody.Length);
            writer.Write(delivery.CompressedBody);
        }
        var payload = output.GetBuffer().AsSpan((int)(start + HeaderBytes), (int)(output.Length - start - HeaderBytes));
        var header = output.GetBuffer().AsSpan((int)start, HeaderBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(payload));
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
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var guid = reader.ReadString();
        var @event = reader.ReadString();
        var action = ReadOptional(reader);
        var hasInstallation = reader.ReadBoolean();
        var installation = reader.ReadInt64();
        var key = ReadOptional(reader);
        var receivedAt = reader.ReadInt64();
        var bodyLength = reader.ReadInt32();
        var body = reader.ReadBytes(reader.ReadInt32());
        return new AcceptedDelivery(
            new IncomingDelivery(guid, @event, action, hasInstallation ? installation : null, key, body, bodyLength), receivedAt);
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
