# placeholder: issue 3 fills this
