namespace MarketingBot.Requests;

/// <summary>Command-line tools for the workflow file: <c>templates &lt;dir&gt; [workflow]</c> and <c>config validate &lt;file&gt;</c>.</summary>
public static class WorkflowCommands
{
    public static async Task<int> TemplatesAsync(string[] args, TextWriter output, TextWriter errors)
    {
        if (args.Length is < 1 or > 2)
        {
            await errors.WriteLineAsync("usage: MarketingBot templates <dir> [workflow-file]");
            return 2;
        }
        var workflow = args.Length == 2 ? await LoadAsync(args[1], errors) : WorkflowFile.Default;
        if (workflow is null) return 1;
        Directory.CreateDirectory(args[0]);
        foreach (var type in workflow.RequestTypes)
        {
            var path = Path.Combine(args[0], IssueForms.FileName(type));
            await File.WriteAllTextAsync(path, IssueForms.Render(type));
            await output.WriteLineAsync($"wrote {path}");
        }
        return 0;
    }

    public static async Task<int> ValidateAsync(string[] args, TextWriter output, TextWriter errors)
    {
        if (args.Length != 1)
        {
            await errors.WriteLineAsync("usage: MarketingBot config validate <file>");
            return 2;
        }
        var workflow = await LoadAsync(args[0], errors);
        if (workflow is null) return 1;
        await output.WriteLineAsync($"{args[0]} is valid: {workflow.RequestTypes.Count} request types ({string.Join(", ", workflow.RequestTypes.Select(t => t.Id))}).");
        return 0;
    }

    /// <summary>The workflow file at <paramref name="path"/>, or null after writing why it cannot be used.</summary>
    internal static async Task<Workflow?> LoadAsync(string path, TextWriter errors)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await errors.WriteLineAsync($"{path}: {ex.Message}");
            return null;
        }
        var workflow = WorkflowFile.Parse(text, path, out var problems);
        foreach (var problem in problems) await errors.WriteLineAsync(problem);
        return workflow;
    }
}
