using System.Diagnostics;
using System.Diagnostics.Metrics;
using MarketingBot.Storage;

namespace MarketingBot.Telemetry;

/// <summary>The bot's OpenTelemetry instruments: what arrived, what was processed, how long it took, what waits.</summary>
public sealed class BotMetrics
{
    public const string Name = "MarketingBot";

    public static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _received;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _processingTime;
    private readonly Counter<long> _loopFailures;
    private long _queueDepth;

    public BotMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _received = meter.CreateCounter<long>("marketingbot.deliveries.received", description: "Verified deliveries stored in the inbox");
        _refused = meter.CreateCounter<long>("marketingbot.deliveries.refused", description: "Deliveries refused at intake, by reason");
        _processed = meter.CreateCounter<long>("marketingbot.deliveries.processed", description: "Deliveries processed to the end");
        _failed = meter.CreateCounter<long>("marketingbot.deliveries.failed", description: "Processing attempts that failed; dead=true when it was the last");
        _processingTime = meter.CreateHistogram<double>("marketingbot.deliveries.processing_time", unit: "ms", description: "Time from claim to done");
        _loopFailures = meter.CreateCounter<long>("marketingbot.loops.failures", description: "Failed rounds of a background loop, by component");
        meter.CreateObservableGauge("marketingbot.inbox.depth", () => Interlocked.Read(ref _queueDepth), description: "Deliveries waiting or running");
    }

    public void DeliveryReceived(string eventName, StoreOutcome outcome) =>
        _received.Add(1, new("event", eventName), new("duplicate", outcome == StoreOutcome.AlreadyHandled));

    public void DeliveryRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void DeliveryProcessed(string eventName, TimeSpan elapsed)
    {
        _processed.Add(1, new KeyValuePair<string, object?>("event", eventName));
        _processingTime.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("event", eventName));
    }

    public void DeliveryFailed(string eventName, bool dead) => _failed.Add(1, new("event", eventName), new("dead", dead));

    public void LoopFailed(string component) => _loopFailures.Add(1, new KeyValuePair<string, object?>("component", component));

    public void QueueDepth(long depth) => Interlocked.Exchange(ref _queueDepth, depth);
}
