namespace MarketingBot.Tests.Support;

/// <summary>A test class whose every test gets its own live app and fakes, disposed after it.</summary>
public abstract class LiveBotTest : IAsyncLifetime
{
    protected LiveBot Live { get; private set; } = null!;

    public virtual Task InitializeAsync()
    {
        Live = LiveBot.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Live.DisposeAsync();
}
