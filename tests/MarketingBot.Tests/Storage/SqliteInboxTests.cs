using System.Security.Cryptography;
using System.Text;
using MarketingBot.Board;
using MarketingBot.Storage;
using MarketingBot.Storage.Sqlite;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Storage;

/// <summary>The storage contract on SQLite, and what only a SQLite file has: files from older versions, and the intake journal.</summary>
public sealed class SqliteInboxTests() : InboxContract(new SqliteTestDatabase())
{
    private TempFolder Folder => ((SqliteTestDatabase)TestDatabase).Folder;

    private OpenedInbox OpenSqlite(string path, Func<bool>? intakeBusy = null) => new(Database.OpenSqlite($"Data Source={path}", Time, intakeBusy));

    [Fact]
    public async Task A_file_from_the_first_schema_version_is_upgraded_and_keeps_its_deliveries()
    {
        var path = Folder.File("v1.db");
        using (var v1 = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            v1.Open();
            using var create = v1.CreateCommand();
            // The first release's tables, as such a file holds them.
            create.CommandText = """
                CREATE TABLE deliveries (id INTEGER PRIMARY KEY, guid TEXT NOT NULL UNIQUE, event TEXT NOT NULL, action TEXT, installation_id INTEGER,
                    ordering_key TEXT, received_at INTEGER NOT NULL, body BLOB NOT NULL, body_length INTEGER NOT NULL, state INTEGER NOT NULL,
                    attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT, finished_at INTEGER);
                CREATE TABLE audit (id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL,
                    outcome TEXT NOT NULL, dry_run INTEGER NOT NULL, effects TEXT NOT NULL, error TEXT);
                INSERT INTO deliveries VALUES (1, 'old', 'ping', NULL, NULL, NULL, 0, x'', 0, 0, 0, 0, NULL, NULL);
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }

        await using var upgraded = OpenSqlite(path);
        Assert.Equal("old", Assert.Single(await upgraded.Inbox.ClaimReadyAsync(10)).Guid);
        var cards = new CardRecords(upgraded.Database);
        await cards.RecordCardAsync(42, new BoardCard("I_1", "PVT_1", "PVTI_1", null, false), "MarketingBot");
        Assert.Equal("PVTI_1", (await cards.FindCardAsync("I_1"))!.ItemId);
        Assert.Equal("I_1", Assert.Single(await cards.ListCardsAsync(42)).ContentNodeId);
        Assert.Empty(await cards.ListCardsAsync(43));
    }

    [Fact]
    public async Task Claiming_walks_the_waiting_deliveries_in_order_instead_of_sorting_the_backlog()
    {
        await Store.StoreAsync(Delivery("a", "issue-A"));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Folder.File("inbox.db")};Mode=ReadOnly");
        connection.Open();
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + StorageEngine.ReadyDeliveries;
        explain.Parameters.AddWithValue("@now", 0);
        explain.Parameters.AddWithValue("@max", 4);
        using var reader = explain.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read()) plan.Add(reader.GetString(3));

        // A sort would cost the whole backlog on every claim (0.45 s with 150,000 waiting, seen in the intake benchmark).
        Assert.Contains(plan, step => step.Contains("USING INDEX deliveries_state (state=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    /// <summary>
    /// Copies the database and its journal as they are on disk this moment, as a crash would leave them: the
    /// deliveries just acknowledged are in the journal, and (with nothing having read the inbox since) not yet
    /// in the tables.
    /// </summary>
    private string CrashCopy(string database = "inbox.db")
    {
        var copy = Directory.CreateDirectory(Folder.File("crash")).FullName;
        foreach (var name in new[] { database, database + "-wal" })
            if (File.Exists(Folder.File(name))) File.Copy(Folder.File(name), Path.Combine(copy, name));
        var journal = Directory.CreateDirectory(Path.Combine(copy, database + ".intake")).FullName;
        foreach (var file in Directory.GetFiles(Folder.File(database + ".intake"))) File.Copy(file, Path.Combine(journal, Path.GetFileName(file)));
        return Path.Combine(copy, database);
    }

    private long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The SQLite engine alone on a file of its own, told by <paramref name="intakeBusy"/> whether a burst is on.</summary>
    private SqliteStorage OpenStorage(string database, Func<bool> intakeBusy, int maxBacklog = SqliteStorage.MaxBacklog) =>
        SqliteStorage.Open($"Data Source={Folder.File(database)}", intakeBusy, maxBacklog);

    [Fact]
    public async Task Deliveries_acknowledged_but_not_yet_in_the_tables_when_the_process_died_are_there_after_the_restart()
    {
        Assert.Equal(StoreOutcome.Queued, await Store.StoreAsync(Delivery("a1", "issue-A", """{"n":1}""")));
        Assert.Equal(StoreOutcome.Queued, await Store.StoreAsync(Delivery("a2", "issue-A", """{"n":2}""")));
        Assert.Equal(StoreOutcome.Queued, await Store.StoreAsync(Delivery("b1", "issue-B", """{"n":3}""")));
        var crashed = CrashCopy();
        Assert.Equal(0, SqliteFile.Count(crashed, "SELECT COUNT(*) FROM deliveries"));

        await using var opened = OpenSqlite(crashed);
        var restarted = opened.Inbox;
        // The start only notes what the journal holds (a burst's backlog would keep it from answering), yet a repeat is known.
        Assert.Equal(0, SqliteFile.Count(crashed, "SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(StoreOutcome.AlreadyHandled, await restarted.StoreAsync(Delivery("a2", "issue-A")));
        Assert.Equal(3, await restarted.CountWaitingAsync());
        var claimed = await restarted.ClaimReadyAsync(10);
        Assert.Equal(["a1", "b1"], claimed.Select(d => d.Guid));
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(BodyCompression.Decompress(claimed[0].CompressedBody, claimed[0].BodyLength)));
        Assert.Equal(Time.GetUtcNow(), claimed[0].ReceivedAt);
        Assert.Equal(3, (await restarted.CountAsync()).Pending + (await restarted.CountAsync()).InProgress);
    }

    [Fact]
    public async Task A_journal_left_by_a_version_that_compressed_bodies_on_intake_is_copied_after_the_upgrade()
    {
        await Store.StoreAsync(Delivery("new", "issue-N", """{"n":2}"""));
        var crashed = CrashCopy();
        var journal = Directory.GetFiles(crashed + ".intake").Single();
        // Before the new record, one as the earlier version wrote it: the same fields, the body an LZ4 block.
        var body = Payloads.IssueEvent("opened", 7, "I_7");
        var old = OldJournalRecord("old", body);
        await File.WriteAllBytesAsync(journal, [.. old, .. await File.ReadAllBytesAsync(journal)]);

        await using var upgraded = OpenSqlite(crashed);
        var claimed = await upgraded.Inbox.ClaimReadyAsync(10);
        Assert.Equal(["old", "new"], claimed.Select(d => d.Guid));
        Assert.Equal(body, BodyCompression.Decompress(claimed[0].CompressedBody, claimed[0].BodyLength));
        Assert.Equal("""{"n":2}""", Encoding.UTF8.GetString(BodyCompression.Decompress(claimed[1].CompressedBody, claimed[1].BodyLength)));
        // Both are kept compressed in the table, whatever form the journal held them in.
        Assert.True(claimed[0].CompressedBody.Length < body.Length / 3, $"{claimed[0].CompressedBody.Length} of {body.Length} bytes");
    }

    /// <summary>A journal record in the layout of the version before: length and CRC-32, the fields, then the compressed body.</summary>
    private static byte[] OldJournalRecord(string guid, byte[] body)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(guid);
            writer.Write("issues");
            writer.Write(true);
            writer.Write("opened");
            writer.Write(true);
            writer.Write(1L);
            writer.Write(true);
            writer.Write("I_7");
            writer.Write(0L);
            writer.Write(body.Length);
            var compressed = BodyCompression.Compress(body);
            writer.Write(compressed.Length);
            writer.Write(compressed);
        }
        var bytes = payload.ToArray();
        var header = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(header, bytes.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), System.IO.Hashing.Crc32.HashToUInt32(bytes));
        return [.. header, .. bytes];
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_mid_write_is_cut_off_and_the_whole_ones_before_it_are_kept()
    {
        await Store.StoreAsync(Delivery("a1", "issue-A"));
        await Store.StoreAsync(Delivery("b1", "issue-B"));
        var crashed = CrashCopy();
        var journal = Directory.GetFiles(crashed + ".intake").Single();
        var whole = new FileInfo(journal).Length;
        // The start of a third record: its header promises more bytes than made it to disk.
        await File.AppendAllBytesAsync(journal, [200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]);

        await using (var restarted = OpenSqlite(crashed))
        {
            Assert.Equal(whole, new FileInfo(journal).Length);
            Assert.Equal(["a1", "b1"], (await restarted.Inbox.ClaimReadyAsync(10)).Select(d => d.Guid));
            Assert.Equal(StoreOutcome.Queued, await restarted.Inbox.StoreAsync(Delivery("c1", "issue-C")));
        }
        await using var again = OpenSqlite(crashed);
        Assert.Equal("c1", Assert.Single(await again.Inbox.ClaimReadyAsync(10)).Guid);
    }

    [Fact]
    public async Task A_journal_file_is_deleted_once_all_of_it_is_in_the_tables_and_new_deliveries_go_to_the_next()
    {
        var body = Convert.ToBase64String(RandomNumberGenerator.GetBytes(6_000));
        var stored = 0;
        while (Directory.GetFiles(Folder.File("inbox.db.intake")).Sum(f => new FileInfo(f).Length) < 8.5 * 1024 * 1024)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Store.StoreAsync(Delivery($"d{stored + i}", $"k{i}", body))));
            stored += 100;
        }

        Assert.Equal(stored, (await Store.CountAsync()).Pending);
        Assert.Equal(["00000002.log"], Directory.GetFiles(Folder.File("inbox.db.intake")).Select(Path.GetFileName));
        await Store.StoreAsync(Delivery("after", "k-after"));
        await RestartAsync();
        Assert.Equal(stored + 1, (await Store.CountAsync()).Pending);
        Assert.True(await Store.HasDeliveryAsync("after"));
    }

    [Fact]
    public async Task Claims_that_copy_a_long_backlog_from_the_journal_checkpoint_as_they_go_so_the_write_ahead_log_stays_short()
    {
        var path = Folder.File("backlog.db");
        await using var opened = OpenSqlite(path);
        var inbox = opened.Inbox;
        var body = Convert.ToBase64String(RandomNumberGenerator.GetBytes(6_000));
        for (var stored = 0; stored < 3_000; stored += 100)
            await Task.WhenAll(Enumerable.Range(stored, 100).Select(n => inbox.StoreAsync(Delivery($"d{n}", $"issue-{n}", body))));

        // No upkeep tick runs here (the clock stands still): each claim copies its step of the journal, as in a drain.
        while (SqliteFile.Count(path, "SELECT COUNT(*) FROM deliveries") < 3_000) await inbox.ClaimReadyAsync(1);

        // Copied without a checkpoint, the 3,000 rows (about 18 MB of bodies) would all be in the log, for one burst of
        // write-back later; checkpointed once the log passes 6 MB, it never holds more than about a third of them.
        var log = new FileInfo(path + "-wal").Length;
        var tables = new FileInfo(path).Length;
        Assert.True(log < 9 * 1024 * 1024, $"the write-ahead log grew to {log:N0} bytes");
        Assert.True(tables > 9 * 1024 * 1024, $"the database file holds only {tables:N0} bytes: the rows stayed in the log");
    }

    [Fact]
    public async Task While_the_intake_is_saturated_a_claim_copies_from_the_journal_only_the_deliveries_it_takes()
    {
        var busy = true;
        var path = Folder.File("busy.db");
        await using var opened = OpenSqlite(path, () => busy);
        var inbox = opened.Inbox;
        foreach (var n in Enumerable.Range(1, 10)) await inbox.StoreAsync(Delivery($"d{n}", $"issue-{n}"));

        Assert.Equal(["d1", "d2"], (await inbox.ClaimReadyAsync(2)).Select(d => d.Guid));
        Assert.Equal(2, SqliteFile.Count(path, "SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(10, await inbox.CountWaitingAsync());
        Assert.Equal(StoreOutcome.AlreadyHandled, await inbox.StoreAsync(Delivery("d7", "issue-7")));

        busy = false;
        Assert.Equal(["d3"], (await inbox.ClaimReadyAsync(1)).Select(d => d.Guid));
        Assert.Equal(10, SqliteFile.Count(path, "SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task The_upkeep_leaves_the_journal_alone_while_the_intake_is_saturated_and_copies_the_backlog_after()
    {
        var busy = true;
        var path = Folder.File("upkeep.db");
        await using var storage = OpenStorage("upkeep.db", () => busy);
        await storage.StoreAsync([.. Enumerable.Range(1, 600).Select(n => Delivery($"d{n}", $"issue-{n}"))], Now);

        await storage.UpkeepAsync(Now);
        Assert.Equal(0, SqliteFile.Count(path, "SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(600, storage.NotYetInTables);

        busy = false;
        await storage.UpkeepAsync(Now);
        Assert.Equal(600, SqliteFile.Count(path, "SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(0, storage.NotYetInTables);
        Assert.Equal([StoreOutcome.AlreadyHandled], await storage.StoreAsync([Delivery("d600", "issue-600")], Now));
    }

    [Fact]
    public async Task In_a_burst_deliveries_are_acknowledged_once_written_and_the_upkeep_flushes_them_to_disk()
    {
        var busy = false;
        await using var storage = OpenStorage("flush.db", () => busy);

        await storage.StoreAsync([Delivery("calm", "issue-1")], Now);
        Assert.False(storage.JournalUnflushed);

        busy = true;
        await storage.StoreAsync([Delivery("burst-1", "issue-2"), Delivery("burst-2", "issue-3")], Now);
        Assert.True(storage.JournalUnflushed);
        // Written is what a killed process leaves behind: a copy of the files taken now has all three.
        await using (var restarted = OpenSqlite(CrashCopy("flush.db")))
            Assert.Equal(3, await restarted.Inbox.CountWaitingAsync());

        await storage.UpkeepAsync(Now);
        Assert.False(storage.JournalUnflushed);
    }

    [Fact]
    public async Task A_burst_that_leaves_too_many_deliveries_uncopied_has_them_copied_all_the_same()
    {
        await using var storage = OpenStorage("endless.db", intakeBusy: () => true, maxBacklog: 300);
        await storage.StoreAsync([.. Enumerable.Range(1, 600).Select(n => Delivery($"d{n}", $"issue-{n}"))], Now);

        await storage.UpkeepAsync(Now);
        Assert.InRange(storage.NotYetInTables, 1, 299);
        Assert.Equal(600 - storage.NotYetInTables, SqliteFile.Count(Folder.File("endless.db"), "SELECT COUNT(*) FROM deliveries"));
    }
}
