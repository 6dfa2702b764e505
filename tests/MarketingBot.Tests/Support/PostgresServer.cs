using System.Diagnostics;
using Npgsql;

namespace MarketingBot.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL server from the local binaries (<c>initdb</c>, <c>pg_ctl</c>), in a temporary
/// folder, on a free port of 127.0.0.1, started on first use by the tests of the PostgreSQL collection
/// and stopped (by its process id if pg_ctl cannot) when they are done. Each test asks for its own empty
/// database. PostgreSQL refuses to run as root, so under root the server runs as the <c>postgres</c>
/// user that Debian's package creates.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly Lazy<(string Folder, int Port, int Postmaster)> _running = new(Start);
    private int _databases;

    // Declared before Unavailable: static initializers run in this order.
    private static string? BinFolder { get; } = FindBinFolder();

    /// <summary>Why the PostgreSQL tests cannot run here, or null when they can.</summary>
    public static string? Unavailable { get; } = FindUnavailableReason();

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static string? FindBinFolder()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl")));
        if (onPath is not null) return onPath;
        // Debian installs the server outside PATH, one folder per major version.
        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb"))).OrderByDescending(bin => bin, StringComparer.Ordinal).FirstOrDefault()
            : null;
    }

    private static string? FindUnavailableReason()
    {
        if (BinFolder is null) return "PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql; .ci/run does)";
        if (RunsAsRoot && !File.ReadLines("/etc/passwd").Any(line => line.StartsWith("postgres:", StringComparison.Ordinal)))
            return "running as root, and there is no postgres user to run PostgreSQL as";
        return null;
    }

    /// <summary>A new, empty database on the shared server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}";
        await using (var admin = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return ConnectionString(name);
    }

    private string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = _running.Value.Port, Username = "bot", Database = database, Pooling = true, MaxPoolSize = 20 }.ToString();

    private static (string Folder, int Port, int Postmaster) Start()
    {
        if (Unavailable is not null) throw new InvalidOperationException(Unavailable);
        var folder = Directory.CreateTempSubdirectory("marketingbot-pg-").FullName;
        if (RunsAsRoot) Run("chown", ["-R", "postgres:postgres", folder]);
        var data = Path.Combine(folder, "data");
        RunPostgres("initdb", ["-D", data, "-U", "bot", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        var port = ServiceProcess.FreePort();
        // fsync off: the data is thrown away, and the tests are about behaviour, not durability.
        RunPostgres("pg_ctl", ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o",
            $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", "start"]);
        var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First());
        return (folder, port, postmaster);
    }

    public void Dispose()
    {
        if (!_running.IsValueCreated) return;
        var (folder, _, postmasterId) = _running.Value;
        try
        {
            RunPostgres("pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // pg_ctl could not stop it: stop the server by its id.
            try
            {
                using var postmaster = Process.GetProcessById(postmasterId);
                postmaster.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans temp.
        }
    }

    private static void RunPostgres(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(BinFolder!, tool);
        if (RunsAsRoot) Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        else Run(path, arguments);
    }

    private static void Run(string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish in 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {errors.Result}{output.Result}");
    }
}

/// <summary>The tests that share one <see cref="PostgresServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}

/// <summary>A test that needs PostgreSQL: skipped, with the reason, where the server binaries are absent.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.Unavailable is { } reason) Skip = reason;
    }
}
