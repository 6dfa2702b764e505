using System.Diagnostics;
using System.Net;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Resilience;

/// <summary>
/// A disk that fills up while the bot runs: deliveries are answered 503 (never 500, never acknowledged and lost),
/// and the intake recovers by itself once there is room again. The database lives on a small tmpfs of its own.
/// </summary>
public sealed class DiskFullTests
{
    [SkippableDiskFact]
    public async Task Deliveries_get_503_while_the_disk_is_full_and_are_taken_again_once_there_is_room()
    {
        using var disk = SmallDisk.Mount(megabytes: 4);
        // Most of the disk taken by something else, as a log or a backup would.
        var filler = Path.Combine(disk.Folder, "filler");
        await File.WriteAllBytesAsync(filler, new byte[3 * 1024 * 1024 + 512 * 1024]);
        await using var bot = new BotFactory(new() { ["Storage:ConnectionString"] = $"Data Source={Path.Combine(disk.Folder, "bot.db")}" });
        var client = bot.CreateClient();

        var acknowledged = new List<string>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 400 && refused is null; i++)
        {
            var body = Payloads.IssueEvent("opened", i, $"I_{i}", body: Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6_000)));
            var response = await bot.PostAsync("issues", $"d-{i}", body);
            if (response.StatusCode == HttpStatusCode.Accepted) acknowledged.Add($"d-{i}");
            else refused = response;
        }

        Assert.NotNull(refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var readiness = await client.GetAsync("/readyz/intake");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.Contains("cannot store deliveries", await readiness.Content.ReadAsStringAsync());

        File.Delete(filler);
        var again = Payloads.IssueEvent("opened", 1000, "I_1000");
        Assert.Equal(HttpStatusCode.Accepted, (await bot.PostAsync("issues", "after-room", again)).StatusCode);
        acknowledged.Add("after-room");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz/intake")).StatusCode);
        var loops = (MarketingBot.Health.BackgroundLoops)bot.Services.GetService(typeof(MarketingBot.Health.BackgroundLoops))!;
        Assert.True(await Eventually.UntilAsync(async () => await bot.Inbox.CountWaitingAsync() == 0, TimeSpan.FromSeconds(60)),
            $"still waiting: {await bot.Inbox.CountWaitingAsync()}; {string.Join("; ", loops.States.Select(l => $"{l.Key}: {l.Value}"))}");
        foreach (var guid in acknowledged) Assert.NotEmpty(await bot.Inbox.ReadAuditAsync(guid));
    }

    /// <summary>A tmpfs of a few megabytes, unmounted when disposed; mounting needs root.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private SmallDisk(string folder) => Folder = folder;

        public string Folder { get; }

        public static string? Unavailable { get; } = Probe();

        public static SmallDisk Mount(int megabytes)
        {
            var folder = Directory.CreateTempSubdirectory("marketingbot-disk-").FullName;
            Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", folder);
            return new SmallDisk(folder);
        }

        private static string? Probe()
        {
            if (!OperatingSystem.IsLinux()) return "a small disk is made with Linux's tmpfs";
            if (Environment.UserName != "root") return "mounting a small tmpfs needs root (.ci/run runs as root)";
            try
            {
                Mount(1).Dispose();
                return null;
            }
            catch (InvalidOperationException ex)
            {
                return $"this machine cannot mount a tmpfs: {ex.Message}";
            }
        }

        private static void Run(string file, params string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, UseShellExecute = false })
                ?? throw new InvalidOperationException($"{file} did not start");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {errors.Trim()}");
        }

        public void Dispose()
        {
            Run("umount", "--lazy", Folder);
            Directory.Delete(Folder);
        }
    }

    private sealed class SkippableDiskFactAttribute : FactAttribute
    {
        public SkippableDiskFactAttribute()
        {
            if (SmallDisk.Unavailable is { } reason) Skip = reason;
        }
    }
}
