using MarketingBot.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MarketingBot.Tests.Storage;

/// <summary>
/// A test of the storage contract, declared once in <see cref="InboxContract"/> and run for each
/// provider's subclass. For the PostgreSQL subclass it is skipped, with the reason, where the server
/// binaries are absent; a plain [Fact] cannot tell the subclasses apart.
/// </summary>
[XunitTestCaseDiscoverer("MarketingBot.Tests.Storage.StorageFactDiscoverer", "MarketingBot.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StorageFactAttribute : FactAttribute;

/// <summary>Marks a test class whose inbox lives in PostgreSQL.</summary>
public interface IUsesPostgres;

public sealed class StorageFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = options.MethodDisplayOrDefault();
        var displayOptions = options.MethodDisplayOptionsOrDefault();
        var usesPostgres = typeof(IUsesPostgres).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType());
        yield return usesPostgres && PostgresServer.Unavailable is { } reason
            ? new XunitSkippedDataRowTestCase(diagnostics, display, displayOptions, testMethod, reason)
            : new XunitTestCase(diagnostics, display, displayOptions, testMethod);
    }
}
