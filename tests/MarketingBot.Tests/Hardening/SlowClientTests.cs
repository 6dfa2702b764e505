using System.Net.Sockets;
using System.Text;
using MarketingBot.Intake;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Hardening;

/// <summary>
/// Clients that open connections and then dribble their headers or body (slowloris) against the real
/// service process (Kestrel's limits apply only there): they are cut off, nothing of theirs is stored,
/// and GitHub's deliveries keep being accepted meanwhile.
/// </summary>
public sealed class SlowClientTests
{
    private const string Secret = "slow-client-secret";

    [Fact]
    public async Task Slow_headers_and_slow_bodies_are_cut_off_while_good_deliveries_are_still_accepted()
    {
        using var folder = new TempFolder();
        var database = folder.File("bot.db");
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["GitHub__WebhookSecret"] = Secret,
            ["Storage__ConnectionString"] = $"Data Source={database}",
            ["Logging__LogLevel__Default"] = "Warning",
        });

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var slowBodies = Enumerable.Range(0, 20).Select(i => DribbleAsync(service.Address, $"slow-body-{i}", headersAtOnce: true, stop.Token)).ToArray();
        var slowHeaders = Enumerable.Range(0, 20).Select(i => DribbleAsync(service.Address, $"slow-headers-{i}", headersAtOnce: false, stop.Token)).ToArray();

        // While the slow clients hold their connections, GitHub's deliveries go through.
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 50; i++)
        {
            using var response = await client.SendAsync(Signing.IssueEdited(Secret, $"good-{i}", issue: i));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        }

        var cutOff = await Task.WhenAll(slowBodies.Concat(slowHeaders));
        Assert.All(cutOff, outcome => Assert.True(outcome.ClosedByServer, $"{outcome.Name} was still open after {outcome.After.TotalSeconds:0} s"));
        Assert.All(cutOff, outcome => Assert.True(outcome.After < WebhookIntake.SlowClientTimeout * 4, $"{outcome.Name} took {outcome.After.TotalSeconds:0} s to be cut off"));
        // A slow body is answered 408 where Kestrel can still answer; slow headers are dropped.
        Assert.All(cutOff.Where(o => o.Answer is not null), o => Assert.StartsWith("HTTP/1.1 408", o.Answer));

        Assert.Equal(50, SqliteFile.Count(database, "SELECT COUNT(*) FROM deliveries WHERE guid LIKE 'good-%'"));
        Assert.Equal(0, SqliteFile.Count(database, "SELECT COUNT(*) FROM deliveries WHERE guid LIKE 'slow-%'"));
    }

    private sealed record Outcome(string Name, bool ClosedByServer, TimeSpan After, string? Answer);

    /// <summary>Sends a delivery one byte a second until the server answers or closes the connection.</summary>
    private static async Task<Outcome> DribbleAsync(Uri address, string guid, bool headersAtOnce, CancellationToken cancellationToken)
    {
        var body = Payloads.IssueEvent("edited", 1, "I_1");
        var head = Encoding.ASCII.GetBytes(
            $"POST /api/github/webhooks HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n" +
            $"X-GitHub-Event: issues\r\nX-GitHub-Delivery: {guid}\r\nX-Hub-Signature-256: {Signing.Sign(Secret, body)}\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n");
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, cancellationToken);
        var stream = tcp.GetStream();
        var started = DateTime.UtcNow;
        var rest = headersAtOnce ? body : [.. head, .. body];
        if (headersAtOnce) await stream.WriteAsync(head, cancellationToken);
        var answer = new byte[1024];
        var reading = stream.ReadAsync(answer, cancellationToken).AsTask();
        foreach (var next in rest)
        {
            try
            {
                await stream.WriteAsync(new[] { next }, cancellationToken);
            }
            catch (IOException)
            {
                break;
            }
            catch (OperationCanceledException)
            {
                return new Outcome(guid, false, DateTime.UtcNow - started, null);
            }
            if (await Task.WhenAny(reading, Task.Delay(1000, CancellationToken.None)) == reading || cancellationToken.IsCancellationRequested) break;
        }
        int read;
        try
        {
            read = await reading.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (IOException)
        {
            read = 0;
        }
        catch (TimeoutException)
        {
            return new Outcome(guid, false, DateTime.UtcNow - started, null);
        }
        return new Outcome(guid, true, DateTime.UtcNow - started, read > 0 ? Encoding.ASCII.GetString(answer, 0, read) : null);
    }
}
