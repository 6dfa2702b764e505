using System.Text;

namespace MarketingBot.GitHub;

/// <summary>
/// A GraphQL operation of aliased fields, one per entry (a card, a field write, a stage), each with variables of its
/// own: many reads or writes in one request, with GitHub checking every value's type.
/// </summary>
internal sealed class AliasedDocument
{
    private readonly StringBuilder _declarations = new();
    private readonly StringBuilder _fields = new();
    private readonly Dictionary<string, object> _variables = [];

    public IReadOnlyDictionary<string, object> Variables => _variables;

    /// <summary>The variable declarations so far, for an operation written around them.</summary>
    public string Declarations => _declarations.ToString();

    /// <summary>The aliased fields so far, a line each.</summary>
    public string Fields => _fields.ToString();

    public AliasedDocument Declare(string name, string type, object value)
    {
        if (_declarations.Length > 0) _declarations.Append(", ");
        _declarations.Append('$').Append(name).Append(": ").Append(type);
        _variables[name] = value;
        return this;
    }

    public AliasedDocument Field(string field)
    {
        _fields.Append("  ").Append(field).Append('\n');
        return this;
    }

    /// <summary>The whole operation: <c>mutation Name(declarations) { fields }</c>.</summary>
    public (string Document, IReadOnlyDictionary<string, object> Variables) Operation(string keyword, string name) =>
        ($"{keyword} {name}({_declarations}) {{\n{_fields}}}\n", _variables);
}
