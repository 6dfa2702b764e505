namespace MarketingBot.Tests.Support;

public sealed class TempFolder : IDisposable
{
    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("marketingbot-test-");

    public string Path => Directory.FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process under test may still hold a file for a moment; the OS cleans temp.
        }
    }
}
