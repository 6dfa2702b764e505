namespace MarketingBot.Tests.Support;

/// <summary>Waits for background work (processing, sheet writes) to show; the assertion after it says what was expected.</summary>
public static class Eventually
{
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan? timeout = null) => UntilAsync(() => Task.FromResult(condition()), timeout);

    /// <returns>Whether the condition held before the time ran out.</returns>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(25);
        }
        return true;
    }
}
