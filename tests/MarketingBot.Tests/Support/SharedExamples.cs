namespace MarketingBot.Tests.Support;

/// <summary>GitHub's official webhook payload examples in ../shared/github, when the workspace has them.</summary>
public static class SharedExamples
{
    public static string? Folder { get; } = Find();

    public const string SkipReason = "../shared/github/webhook-examples is not beside this checkout";

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "github", "webhook-examples");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Every example as (event, file name), for one theory over all of them.</summary>
    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        if (Folder is null) return data;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(Path.GetDirectoryName(file))!, Path.GetFileName(file));
        return data;
    }
}

/// <summary>A fact that needs ../shared; skipped with the reason when it is absent.</summary>
public sealed class SharedExamplesFactAttribute : FactAttribute
{
    public SharedExamplesFactAttribute()
    {
        if (SharedExamples.Folder is null) Skip = SharedExamples.SkipReason;
    }
}

/// <summary>A theory over ../shared's examples; skipped with the reason when they are absent.</summary>
public sealed class SharedExamplesTheoryAttribute : TheoryAttribute
{
    public SharedExamplesTheoryAttribute()
    {
        if (SharedExamples.Folder is null) Skip = SharedExamples.SkipReason;
    }
}
