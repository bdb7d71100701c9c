// Tag chips being typed: Enter (or a comma) adds the tag, × removes one, completion offers the
// tags the user has seen (or the server suggests, with a note such as how many Data carry it).

import { useId, useState, type KeyboardEvent } from "react";
import { Tag } from "./bits";

interface Props {
  tags: string[];
  onChange: (tags: string[]) => void;
  suggestions?: readonly (string | { tag: string; note: string })[];
  placeholder?: string;
  label: string;
  /** Told what is being typed (e.g. to ask the server for tags that begin so). */
  onTyping?: (text: string) => void;
}

export function TagInput({ tags, onChange, suggestions = [], placeholder = "key:value", label, onTyping }: Props) {
  const [text, setTextState] = useState("");
  const setText = (next: string) => {
    setTextState(next);
    onTyping?.(next);
  };
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
        {suggestions.map((s) => (typeof s === "string" ? { tag: s, note: "" } : s))
          .filter((s) => !tags.includes(s.tag)).slice(0, 200).map((s) => (
            <option key={s.tag} value={s.tag} label={s.note || undefined} />
          ))}
      </datalist>
    </div>
  );
}
