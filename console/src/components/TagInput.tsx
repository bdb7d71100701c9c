// Tag chips being typed: Enter (or a comma) adds the tag, × removes one, completion offers the
// tags the user has seen.

import { useId, useState, type KeyboardEvent } from "react";
import { Tag } from "./bits";

interface Props {
  tags: string[];
  onChange: (tags: string[]) => void;
  suggestions?: readonly string[];
  placeholder?: string;
  label: string;
}

export function TagInput({ tags, onChange, suggestions = [], placeholder = "key:value", label }: Props) {
  const [text, setText] = useState("");
  const listId = useId();

  function add() {
    const tag = text.trim().replace(/,$/, "");
    if (tag && !tags.includes(tag)) onChange([...tags, tag]);
    setText("");
  }

  function key(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && !text && tags.length) {
      onChange(tags.slice(0, -1));
    }
  }

  return (
    <div className="tag-input">
      {tags.map((tag) => (
        <Tag key={tag} tag={tag} onRemove={() => onChange(tags.filter((t) => t !== tag))} />
      ))}
      <input
        aria-label={label}
        list={listId}
        value={text}
        placeholder={tags.length ? "" : placeholder}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={key}
        onBlur={() => text.trim() && add()}
      />
      <datalist id={listId}>
        {suggestions.filter((s) => !tags.includes(s)).slice(0, 200).map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </div>
  );
}
