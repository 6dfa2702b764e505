using MarketingBot.Processing;
using Microsoft.Extensions.Time.Testing;

namespace MarketingBot.Tests.Processing;

public sealed class DeliverySignalTests
{
    [Fact]
    public void A_burst_lasts_while_the_intake_is_saturated_and_for_its_linger_after()
    {
        var time = new FakeTimeProvider();
        var signal = new DeliverySignal(time);
        var few = Enumerable.Range(0, DeliverySignal.BusyAt - 1).Select(_ => signal.Receive()).ToList();
        Assert.False(signal.IntakeBusy);
        Assert.False(signal.InBurst);

        var last = signal.Receive();
        Assert.True(signal.IntakeBusy);
        Assert.True(signal.InBurst);

        last.Dispose();
        Assert.False(signal.IntakeBusy);
        time.Advance(DeliverySignal.BurstLingers - TimeSpan.FromMilliseconds(1));
        Assert.True(signal.InBurst);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(signal.InBurst);
        foreach (var receiving in few) receiving.Dispose();
    }
}
